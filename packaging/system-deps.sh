#!/bin/sh
# Installs the Debian packages the project needs, only those missing, only as root.
# The list grows as the IDE arrives (Qt's X11 libraries, xvfb); the engines need none.
PACKAGES=""
missing=""
for p in $PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages:$missing (run as root or install them)" >&2
    exit 0
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
