// The relay's node-id tree as live DOM: builds wire nodes, renders a whole
// snapshot into a document, applies mutation batches, and maps ids to nodes
// and back.
//
// Only createElement(NS)/createTextNode/setAttribute(NS) are used, never an
// HTML string sink: the tree is data. Names the DOM rejects are skipped one
// by one so a single odd attribute cannot stop a page from rendering.

import { createElementFor, setWireAttribute } from "./namespaces.js";

/** @typedef {import("./protocol.js").WireNode} WireNode */
/** @typedef {import("./protocol.js").MutationsBody} MutationsBody */
/** @typedef {[number, number | null, WireNode]} WireAdd */

export class NodeTree {
  /** @param {Document} doc the document nodes are created in */
  constructor(doc) {
    this.doc = doc;
    this.keepFocusedField = false; // see keepTypedValues() in mirror.js
    /** @type {Map<number, Element | Text>} */
    this.ids = new Map();
    /** @type {WeakMap<Node, number>} */
    this.nodeIds = new WeakMap();
  }

  /**
   * Replace the document's page with `tree` (root `[id, "html", attrs, children]`):
   * the root's attributes go onto the existing documentElement, its children
   * replace head and body.
   * @param {WireNode} tree
   */
  render(tree) {
    const [rootId, , rootAttrs, rootChildren] = /** @type {[number, string, Record<string, string>, WireNode[]]} */ (tree);
    const html = this.doc.documentElement;
    for (const name of html.getAttributeNames()) html.removeAttribute(name);
    setAttributes(html, rootAttrs ?? {});
    const fragment = this.doc.createDocumentFragment();
    for (const child of rootChildren ?? []) fragment.appendChild(this.build(child));
    html.replaceChildren(fragment);
    this.remember(rootId, html);
  }

  /**
   * Apply one MUTATIONS batch: removes, adds, attributes (`null` removes),
   * texts — in that order. Form state follows its attributes (value,
   * checked, selected, a textarea's text) even in fields typed into before.
   * @param {MutationsBody} batch
   */
  mutate({ removes = [], adds = [], attributes = [], texts = [] }) {
    for (const id of removes) {
      const node = this.ids.get(id);
      if (!node) continue;
      this.forget(node);
      node.remove();
    }
    this.insertAll(adds);
    for (const [id, attrs] of attributes) {
      const el = /** @type {Element | undefined} */ (this.ids.get(id));
      if (!el || el.nodeType !== Node.ELEMENT_NODE) continue;
      setAttributes(el, attrs ?? {});
      if (!(this.keepFocusedField && el === this.doc.activeElement)) syncFormState(el, attrs ?? {});
    }
    for (const [id, text] of texts) {
      const node = this.ids.get(id);
      if (!node) continue;
      node.textContent = String(text);
      this.syncTextarea(node.parentNode);
    }
    for (const [parentId] of adds) this.syncTextarea(this.ids.get(parentId));
  }

  /**
   * A textarea's value follows its text, except the one the advisor is typing
   * in: the relay's echo of an earlier key would overwrite the keys typed
   * since (like text inputs, see keepFocusedField).
   * @param {Node | null | undefined} el
   */
  syncTextarea(el) {
    if (this.keepFocusedField && el === this.doc.activeElement) return;
    syncTextarea(el);
  }

  /**
   * Build one wire node and its subtree: `[id, text]` or `[id, tag, attrs, children]`.
   * @param {WireNode} wire
   * @returns {Element | Text}
   */
  build(wire) {
    if (wire.length === 2) {
      const text = this.doc.createTextNode(String(wire[1]));
      this.remember(wire[0], text);
      return text;
    }
    const [id, tag, attrs, children] = wire;
    let el;
    try {
      el = createElementFor(this.doc, String(tag));
    } catch {
      el = this.doc.createElement("span"); // a tag name the DOM rejects: keep the content
    }
    setAttributes(el, attrs ?? {});
    for (const child of children ?? []) el.appendChild(this.build(child));
    this.remember(id, el);
    return el;
  }

  /**
   * @param {number} id
   * @param {Element | Text} node
   */
  remember(id, node) {
    this.ids.set(id, node);
    this.nodeIds.set(node, id);
  }

  /**
   * Drop the ids of `node` and its whole subtree.
   * @param {Node} node
   */
  forget(node) {
    const walker = this.doc.createTreeWalker(node, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = /** @type {Node | null} */ (node); n; n = walker.nextNode()) {
      const id = this.nodeIds.get(n);
      if (id !== undefined && this.ids.get(id) === n) this.ids.delete(id);
    }
  }

  /**
   * Insert adds `[parent_id, next_id|null, node]`. An add whose parent or next
   * sibling arrives later in the same batch waits for it; what still cannot
   * be placed at the end is appended (next unknown) or dropped (parent unknown).
   * @param {WireAdd[]} adds
   */
  insertAll(adds) {
    let todo = adds;
    while (todo.length) {
      const later = [];
      for (const add of todo) {
        const [parentId, nextId] = add;
        const parent = this.ids.get(parentId);
        const next = nextId === null || nextId === undefined ? null : this.ids.get(nextId);
        if (!parent || next === undefined) later.push(add);
        else this.insert(parent, next, add[2]);
      }
      if (later.length === todo.length) {
        for (const [parentId, , wire] of later) {
          const parent = this.ids.get(parentId);
          if (parent) this.insert(parent, null, wire);
        }
        return;
      }
      todo = later;
    }
  }

  /**
   * @param {Node} parent
   * @param {Node | null} next
   * @param {WireNode} wire
   */
  insert(parent, next, wire) {
    const old = this.ids.get(wire[0]);
    if (old) {
      // The same id twice: the newer node wins.
      this.forget(old);
      old.remove();
    }
    parent.insertBefore(this.build(wire), next && next.parentNode === parent ? next : null);
  }
}

/**
 * A field's shown state follows a changed value/checked/selected attribute.
 * @param {Element} el
 * @param {Record<string, string | null>} attrs
 */
function syncFormState(el, attrs) {
  const name = el.localName;
  if (name === "input" && /** @type {HTMLInputElement} */ (el).type !== "file") {
    const input = /** @type {HTMLInputElement} */ (el);
    if ("value" in attrs) input.value = attrs.value ?? "";
    if ("checked" in attrs) input.checked = attrs.checked !== null && attrs.checked !== undefined;
  } else if (name === "option" && "selected" in attrs) {
    /** @type {HTMLOptionElement} */ (el).selected = attrs.selected !== null && attrs.selected !== undefined;
  }
}

/** @param {Node | null | undefined} el */
function syncTextarea(el) {
  if (el && /** @type {Element} */ (el).localName === "textarea") {
    const textarea = /** @type {HTMLTextAreaElement} */ (el);
    textarea.value = textarea.textContent ?? "";
  }
}

/**
 * @param {Element} el
 * @param {Record<string, string | null>} attrs
 */
function setAttributes(el, attrs) {
  for (const name in attrs) {
    try {
      setWireAttribute(el, name, attrs[name]);
    } catch {
      // A name the DOM rejects (e.g. "@click"): skip it, keep the rest.
    }
  }
}
