"""Decision trees from MLeap's ``tree.json`` compiled into flat numpy arrays, evaluated for a batch.

``tree.json`` holds one JSON node per line in pre-order (node, then its left subtree, then its
right subtree), as written by bundle-ml's ``TreeSerializer``::

    {"type":"internal","split":{"type":"continuous","featureIndex":2,"threshold":0.5}}
    {"type":"internal","split":{"type":"categorical","featureIndex":0,"isLeft":true,
                                "numCategories":3,"categories":[0.0,2.0]}}
    {"type":"leaf","values":[1.5]}

Leaf ``values`` is ``[prediction]`` for regression trees and the class impurity statistics (weighted
counts) for classification trees. Split semantics are Spark's: continuous goes left when
``x <= threshold`` (so NaN goes right); categorical goes left when the value is in ``categories``
if ``isLeft``, otherwise when it is not.

Several trees are compiled into one node table so that a whole ensemble is evaluated for all rows
at once: one vectorised step per tree level, no per-row or per-tree Python loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


class TreeFormatError(ValueError):
    """tree.json is malformed."""


@dataclass(frozen=True)
class _Node:
    feature: int = 0
    threshold: float = np.nan
    categorical: bool = False
    is_left: bool = True
    categories: tuple[float, ...] = ()
    values: tuple[float, ...] | None = None  # set only for leaves


def _parse_node(raw: dict) -> _Node:
    kind = raw.get("type")
    if kind == "leaf":
        values = raw.get("values") or []
        return _Node(values=tuple(np.nan if v is None else float(v) for v in values))
    if kind != "internal":
        raise TreeFormatError(f"unknown tree node type {kind!r}")
    split = raw.get("split") or {}
    feature = int(split.get("featureIndex", 0))
    if split.get("type") == "continuous":
        threshold = split.get("threshold", 0.0)
        return _Node(feature=feature, threshold=np.nan if threshold is None else float(threshold))
    if split.get("type") == "categorical":
        return _Node(
            feature=feature,
            categorical=True,
            is_left=bool(split.get("isLeft", False)),
            categories=tuple(float(c) for c in split.get("categories") or ()),
        )
    raise TreeFormatError(f"unknown split type {split.get('type')!r}")


@dataclass(frozen=True)
class Tree:
    """One tree in pre-order with child links resolved (indices are local to the tree)."""

    nodes: tuple[_Node, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    depth: int


def parse_tree_json(text: str) -> Tree:
    """Parse a ``tree.json`` document (newline-delimited JSON nodes in pre-order)."""
    try:
        nodes = [_parse_node(json.loads(line)) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise TreeFormatError(f"tree.json is not valid JSON lines: {exc}") from exc
    if not nodes:
        raise TreeFormatError("tree.json holds no nodes")
    left = [-1] * len(nodes)
    right = [-1] * len(nodes)
    # Iterative pre-order reconstruction: a stack of internal nodes still waiting for children.
    pending: list[tuple[int, int]] = []  # (node index, depth)
    depth = 0
    for i, node in enumerate(nodes):
        if i > 0:
            if not pending:
                raise TreeFormatError("tree.json has nodes after the tree is complete")
            parent, parent_depth = pending[-1]
            if left[parent] == -1:
                left[parent] = i
            else:
                right[parent] = i
                pending.pop()
            depth = max(depth, parent_depth + 1)
            node_depth = parent_depth + 1
        else:
            node_depth = 0
        if node.values is None:
            pending.append((i, node_depth))
    if pending:
        raise TreeFormatError("tree.json ends before every internal node has two children")
    return Tree(tuple(nodes), tuple(left), tuple(right), depth)


@dataclass(frozen=True)
class CompiledForest:
    """Node table for one or more trees; leaf values padded to a common width."""

    feature: np.ndarray  # (n_nodes,) int64
    threshold: np.ndarray  # (n_nodes,) float64
    left: np.ndarray  # (n_nodes,) int64, self index for leaves
    right: np.ndarray
    is_leaf: np.ndarray  # (n_nodes,) bool
    categorical: np.ndarray  # (n_nodes,) bool
    cat_is_left: np.ndarray  # (n_nodes,) bool
    categories: np.ndarray  # (n_nodes, max_categories) float64, NaN padded
    leaf_values: np.ndarray  # (n_nodes, width) float64
    roots: np.ndarray  # (n_trees,) int64
    depth: int

    @property
    def n_trees(self) -> int:
        return int(self.roots.size)

    @property
    def max_feature_index(self) -> int:
        internal = ~self.is_leaf
        return int(self.feature[internal].max()) if internal.any() else -1

    def leaves(self, features: np.ndarray) -> np.ndarray:
        """Leaf node index reached by each row in each tree: shape (rows, trees)."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"tree features must be a 2-d array, got shape {x.shape}")
        if x.shape[1] <= self.max_feature_index:
            raise ValueError(
                f"tree splits on feature {self.max_feature_index} but the feature vector has "
                f"size {x.shape[1]}"
            )
        n_rows = x.shape[0]
        idx = np.broadcast_to(self.roots, (n_rows, self.n_trees)).copy()
        rows = np.arange(n_rows)[:, None]
        any_categorical = bool(self.categorical.any())
        for _ in range(self.depth):
            leaf = self.is_leaf[idx]
            if leaf.all():
                break
            value = x[rows, self.feature[idx]] if x.shape[1] else np.zeros(idx.shape)
            go_left = value <= self.threshold[idx]
            if any_categorical:
                cat = self.categorical[idx]
                if cat.any():
                    sel = np.nonzero(cat)
                    nodes = idx[sel]
                    member = (self.categories[nodes] == value[sel][:, None]).any(axis=1)
                    go_left[sel] = member == self.cat_is_left[nodes]
            idx = np.where(leaf, idx, np.where(go_left, self.left[idx], self.right[idx]))
        return idx

    def leaf_values_for(self, features: np.ndarray) -> np.ndarray:
        """Leaf values reached: shape (rows, trees, width)."""
        return self.leaf_values[self.leaves(features)]


def compile_forest(trees: Sequence[Tree]) -> CompiledForest:
    """Concatenate trees into one node table (child indices shifted to global positions)."""
    if not trees:
        raise TreeFormatError("an ensemble needs at least one tree")
    nodes: list[_Node] = []
    left: list[int] = []
    right: list[int] = []
    roots: list[int] = []
    for tree in trees:
        offset = len(nodes)
        roots.append(offset)
        for local, node in enumerate(tree.nodes):
            is_leaf = node.values is not None
            left.append(offset + local if is_leaf else offset + tree.left[local])
            right.append(offset + local if is_leaf else offset + tree.right[local])
        nodes.extend(tree.nodes)
    n = len(nodes)
    width = max((len(nd.values) for nd in nodes if nd.values is not None), default=1)
    max_cats = max((len(nd.categories) for nd in nodes), default=0)
    categories = np.full((n, max_cats), np.nan)
    leaf_values = np.zeros((n, width))
    for i, nd in enumerate(nodes):
        if nd.categories:
            categories[i, : len(nd.categories)] = nd.categories
        if nd.values is not None:
            leaf_values[i, : len(nd.values)] = nd.values
    return CompiledForest(
        feature=np.array([nd.feature for nd in nodes], dtype=np.int64),
        threshold=np.array([nd.threshold for nd in nodes], dtype=np.float64),
        left=np.array(left, dtype=np.int64),
        right=np.array(right, dtype=np.int64),
        is_leaf=np.array([nd.values is not None for nd in nodes], dtype=bool),
        categorical=np.array([nd.categorical for nd in nodes], dtype=bool),
        cat_is_left=np.array([nd.is_left for nd in nodes], dtype=bool),
        categories=categories,
        leaf_values=leaf_values,
        roots=np.array(roots, dtype=np.int64),
        depth=max(t.depth for t in trees),
    )


def tree_to_json_lines(nodes: Iterable[dict]) -> str:
    """Serialise pre-order node dicts as tree.json text (used by tests and bundle writers)."""
    return "".join(json.dumps(node, separators=(",", ":")) + "\n" for node in nodes)
