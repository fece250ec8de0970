"""`llmspell keys` and `llmspell config`: where model credentials and defaults live."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any


def add_config_parsers(commands: Any) -> None:
    keys = commands.add_parser("keys", help="store API keys for LLM providers")
    key_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    set_key = key_commands.add_parser(
        "set", help="store a provider's key (read from stdin or a prompt)"
    )
    set_key.add_argument("provider")
    delete = key_commands.add_parser("delete", help="forget a provider's key")
    delete.add_argument("provider")
    key_commands.add_parser("list", help="which providers have a key (never the keys)")

    config = commands.add_parser("config", help="show or change the LLM configuration")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION")
    config_commands.add_parser("show", help="the configuration and where it comes from")
    config_commands.add_parser("path", help="the configuration file's path")
    set_value = config_commands.add_parser(
        "set", help="set default_model, retries, or providers.NAME.base_url"
    )
    set_value.add_argument("key")
    set_value.add_argument("value")


def handle_keys(args: argparse.Namespace) -> int:
    from engines.llm.config import KNOWN_PROVIDERS, LlmConfig
    from engines.llm.keys import delete_key, set_key

    if args.keys_command == "set":
        if sys.stdin.isatty():
            key = getpass.getpass(f"API key for {args.provider}: ")
        else:
            key = sys.stdin.readline().strip()
        if not key:
            print("llmspell: no key given", file=sys.stderr)
            return 2
        where = set_key(args.provider, key)
        print(f"stored the {args.provider} key in {where}")
        return 0
    if args.keys_command == "delete":
        removed = delete_key(args.provider)
        print(f"{'forgot' if removed else 'there was no'} {args.provider} key")
        return 0
    if args.keys_command == "list":
        config = LlmConfig.load()
        for name, provider in sorted(config.providers.items()):
            needs_key = (
                KNOWN_PROVIDERS.get(name) is not None or provider.kind == "openai-compatible"
            )
            state = "key set" if provider.api_key else ("no key" if needs_key else "no key needed")
            print(f"{name:<12} {state}")
        return 0
    print("llmspell keys: choose set, delete or list", file=sys.stderr)
    return 2


def handle_config(args: argparse.Namespace) -> int:
    from engines.llm.config import LOCAL_MODEL, LlmConfig, config_file, load_config_file

    path = config_file()
    if args.config_command == "path":
        print(path)
        return 0
    if args.config_command == "set":
        import yaml

        data = load_config_file(path)
        target = data
        parts = args.key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        value: Any = args.value
        if parts[-1] in ("retries",):
            value = int(value)
        target[parts[-1]] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
        print(f"{args.key} = {value} ({path})")
        return 0
    config = LlmConfig.load()
    print(f"config file: {path}{'' if path.exists() else ' (not created yet)'}")
    print(f"default model: {config.default_model or LOCAL_MODEL + ' (the embedded local model)'}")
    for name, provider in sorted(config.providers.items()):
        where = f" at {provider.base_url}" if provider.base_url else ""
        print(
            f"  {name:<12} {provider.kind:<18} {'configured' if provider.configured else 'not configured'}{where}"
        )
    return 0
