"""YAML loading that remembers where things are, so manifest problems can name a line.

One parse gives both the data and the node tree; walking the tree maps every JSON path
(tuple of keys and indexes) to the 1-based line of its value and of its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml import nodes

JsonPath = tuple[str | int, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"
# A guard against alias bombs: past this many nodes lines are simply not recorded.
_MAX_NODES = 100_000


class YamlSyntaxError(Exception):
    """The text is not valid YAML; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class YamlDoc:
    data: Any = None
    value_lines: dict[JsonPath, int] = field(default_factory=dict)
    key_lines: dict[JsonPath, int] = field(default_factory=dict)
    duplicates: list[tuple[JsonPath, int]] = field(default_factory=list)
    nodes_seen: int = 0

    def line_of(self, path: JsonPath) -> int | None:
        """Line of the value at ``path``, or of its nearest known ancestor."""
        for end in range(len(path), -1, -1):
            line = self.value_lines.get(path[:end])
            if line is not None:
                return line
        return None

    def key_line_of(self, path: JsonPath) -> int | None:
        """Line of the key naming ``path`` (falls back to the value's line)."""
        return self.key_lines.get(path) or self.line_of(path)


def load_yaml(text: str) -> YamlDoc:
    """Parse one YAML document; raises YamlSyntaxError with the line of the problem."""
    # Imported here: a manifest seen before is read from the parsed cache without YAML.
    import yaml

    # The C parser is several times faster; pure Python is only a fallback for odd builds.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        doc = YamlDoc()
        node = loader.get_single_node()
        if node is not None:
            _walk(loader, node, (), doc, set())
            doc.data = loader.construct_document(node)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(s for s in (exc.context, exc.problem) if s) or "invalid YAML"
        raise YamlSyntaxError(message, mark.line + 1 if mark else None) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None) from exc
    finally:
        loader.dispose()


def _walk(loader: Any, node: nodes.Node, path: JsonPath, doc: YamlDoc, active: set[int]) -> None:
    from yaml import nodes

    doc.nodes_seen += 1
    # ``active`` holds the nodes on the current branch: recursive aliases must not loop.
    if doc.nodes_seen > _MAX_NODES or id(node) in active:
        return
    doc.value_lines[path] = node.start_mark.line + 1
    if isinstance(node, nodes.MappingNode):
        active.add(id(node))
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, nodes.ScalarNode):
                continue
            try:
                key = loader.construct_object(key_node)
                hash(key)
            except Exception:  # the constructor reports it properly later
                continue
            child = (*path, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                doc.duplicates.append((child, line))
            seen.add(key)
            doc.key_lines[child] = line
            _walk(loader, value_node, child, doc, active)
        active.discard(id(node))
    elif isinstance(node, nodes.SequenceNode):
        active.add(id(node))
        for index, item in enumerate(node.value):
            _walk(loader, item, (*path, index), doc, active)
        active.discard(id(node))


def format_path(path: JsonPath) -> str:
    """Dotted form of a JSON path: ``parameters.count.default``, ``tags[1]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.replace("_", "a").replace("-", "a").isalnum():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out or "(top level)"
