// Changes to a domain tree (see domain.js), as new trees: the editor's state is never changed
// in place, so that an edit is one new value handed to the page.
import { group } from "./domain.js";

const hasSubtree = (node) => node.type === "condition" && (node.operator === "any" || node.operator === "not any");

// The tree with the node of `key` replaced by fn(node); fn may return null to remove it. A group
// left empty by a removal is removed too, except a root (the tree's, or an "any" sub-domain's).
export function replaceNode(node, key, fn, isRoot = true) {
  if (node.key === key) return fn(node);
  if (node.type === "group") {
    let changed = false;
    const children = [];
    for (const child of node.children) {
      const next = replaceNode(child, key, fn, false);
      if (next !== child) changed = true;
      if (next) children.push(next);
    }
    if (!changed) return node;
    if (!children.length && !isRoot) return null;
    return { ...node, children };
  }
  if (hasSubtree(node)) {
    const value = replaceNode(node.value, key, fn, true);
    if (value !== node.value) return { ...node, value: value || group("&") };
  }
  return node;
}

export function removeNode(root, key) {
  return replaceNode(root, key, () => null) || group("&");
}

export function updateNode(root, key, changes) {
  return replaceNode(root, key, (node) => ({ ...node, ...changes }));
}

// The tree with `added` placed right after the node of `key`, in the same group.
export function insertAfter(node, key, added) {
  if (node.type === "group") {
    const at = node.children.findIndex((c) => c.key === key);
    if (at >= 0) {
      const children = [...node.children];
      children.splice(at + 1, 0, added);
      return { ...node, children };
    }
    let changed = false;
    const children = node.children.map((child) => {
      const next = insertAfter(child, key, added);
      if (next !== child) changed = true;
      return next;
    });
    return changed ? { ...node, children } : node;
  }
  if (hasSubtree(node)) {
    const value = insertAfter(node.value, key, added);
    if (value !== node.value) return { ...node, value };
  }
  return node;
}

// The tree with `added` at the end of the group of `key`.
export function appendTo(root, key, added) {
  return replaceNode(root, key, (g) => ({ ...g, children: [...g.children, added] }));
}

// Groups within groups (and "any" sub-domains) from the root down to the deepest one.
export function treeDepth(node) {
  if (node.type === "group") return 1 + Math.max(0, ...node.children.map(treeDepth));
  return hasSubtree(node) ? treeDepth(node.value) : 0;
}
