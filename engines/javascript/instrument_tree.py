"""Reading tree-sitter's JavaScript tree for the instrumenter: the names a declaration or a
pattern binds, the names of a function's scope, what a frame is called."""

from __future__ import annotations

from tree_sitter import Node

FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "generator_function_declaration",
        "generator_function",
        "arrow_function",
        "method_definition",
    }
)
DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})


def named(node: Node | None) -> list[Node]:
    if node is None:
        return []
    return [child for child in node.named_children if child.type != "comment"]


def required(node: Node, name: str) -> Node:
    """A child the grammar requires (a statement's body, a loop's condition)."""
    child = node.child_by_field_name(name)
    if child is None:
        raise ValueError(f"{node.type} without {name}")
    return child


def line_of(node: Node) -> int:
    return node.start_point.row + 1


def inner(node: Node | None) -> Node | None:
    """The expression inside a `( ... )` condition."""
    if node is not None and node.type == "parenthesized_expression":
        children = named(node)
        return children[0] if children else None
    return node


def after_directives(statements: list[Node]) -> int:
    """How many leading statements are directives ("use strict"): nothing goes before them."""
    count = 0
    for statement in statements:
        children = named(statement)
        if statement.type != "expression_statement" or len(children) != 1:
            break
        if children[0].type != "string":
            break
        count += 1
    return count


def pattern_names(node: Node | None) -> list[str]:
    """The names a binding pattern declares (parameters, destructuring, catch parameters)."""
    if node is None:
        return []
    kind = node.type
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        return [node.text.decode("utf-8")] if node.text else []
    if kind == "assignment_pattern":
        return pattern_names(node.child_by_field_name("left"))
    if kind == "pair_pattern":
        return pattern_names(node.child_by_field_name("value"))
    if kind == "object_assignment_pattern":
        return pattern_names(node.child_by_field_name("left"))
    if kind in ("formal_parameters", "array_pattern", "object_pattern", "rest_pattern"):
        return [name for child in named(node) for name in pattern_names(child)]
    return []


def declared(declaration: Node) -> list[str]:
    return [
        name
        for declarator in named(declaration)
        if declarator.type == "variable_declarator"
        for name in pattern_names(declarator.child_by_field_name("name"))
    ]


def lexical_names(block: Node) -> list[str]:
    """let/const/class (and function, in blocks) declared directly in a block."""
    names: list[str] = []
    for statement in named(block):
        if statement.type == "lexical_declaration":
            names += declared(statement)
        elif statement.type in ("class_declaration",) or (
            statement.type in DECLARATIONS and block.type == "statement_block"
        ):
            name = statement.child_by_field_name("name")
            if name is not None and name.text:
                names.append(name.text.decode("utf-8"))
    return names


def function_names(body: Node, top: bool = True) -> list[str]:
    """The names of a function body's scope: its top-level declarations and every `var`
    of the function (not of functions inside it)."""
    found: list[str] = []
    for child in named(body):
        kind = child.type
        if top and kind == "lexical_declaration":
            found += declared(child)
        elif top and (kind in DECLARATIONS or kind == "class_declaration"):
            name = child.child_by_field_name("name")
            if name is not None and name.text:
                found.append(name.text.decode("utf-8"))
        elif kind == "variable_declaration":
            found += declared(child)
        elif kind == "for_in_statement":
            left_kind = child.child_by_field_name("kind")
            if left_kind is not None and left_kind.type == "var":
                found += pattern_names(child.child_by_field_name("left"))
        if kind in FUNCTIONS or kind in ("class_declaration", "class"):
            continue
        found += function_names(child, top=False)
    return list(dict.fromkeys(found))


def function_name(node: Node, chunkname: str) -> str:
    """What a frame is called: the function's own name, or what it is assigned to."""
    name = node.child_by_field_name("name")
    if node.type == "method_definition" and name is not None:
        owner = class_name(node)
        prefix = ""
        for child in node.children:
            if child.type in ("get", "set"):
                prefix = child.type + " "
        text = name.text.decode("utf-8") if name.text else "?"
        return f"{prefix}{owner}.{text}" if owner else prefix + text
    if name is not None and name.text:
        return name.text.decode("utf-8")
    parent = node.parent
    target = None
    if parent is not None:
        if parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
        elif parent.type in ("assignment_expression", "augmented_assignment_expression"):
            target = parent.child_by_field_name("left")
        elif parent.type == "pair":
            target = parent.child_by_field_name("key")
        elif parent.type == "field_definition":
            target = parent.child_by_field_name("property")
    if target is not None and target.text and target.type != "array_pattern":
        return target.text.decode("utf-8")
    return f"function <{chunkname}:{line_of(node)}>"


def class_name(node: Node) -> str:
    body = node.parent
    owner = body.parent if body is not None else None
    if owner is not None and owner.type in ("class_declaration", "class"):
        name = owner.child_by_field_name("name")
        if name is not None and name.text:
            return name.text.decode("utf-8")
    return ""
