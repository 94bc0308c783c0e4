// Namespaced element and attribute creation for the mirror.
//
// The relay parses pages with an HTML parser that lower-cases tag and
// attribute names, and marks foreign elements with an `svg:` or `math:`
// prefix. SVG and MathML are case-sensitive, so the HTML parser's own case
// tables (HTML spec, "adjust SVG attributes" and the SVG tag name table) are
// applied here when the names arrive lower-cased.

export const HTML_NS = "http://www.w3.org/1999/xhtml";
export const SVG_NS = "http://www.w3.org/2000/svg";
export const MATHML_NS = "http://www.w3.org/1998/Math/MathML";
const XLINK_NS = "http://www.w3.org/1999/xlink";
const XML_NS = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS = "http://www.w3.org/2000/xmlns/";

/** @param {string[]} names */
const byLowerCase = (names) => new Map(names.map((n) => [n.toLowerCase(), n]));

const SVG_TAGS = byLowerCase([
  "altGlyph", "altGlyphDef", "altGlyphItem", "animateColor", "animateMotion",
  "animateTransform", "clipPath", "feBlend", "feColorMatrix", "feComponentTransfer",
  "feComposite", "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap",
  "feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG",
  "feFuncR", "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology",
  "feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile",
  "feTurbulence", "foreignObject", "glyphRef", "linearGradient", "radialGradient",
  "textPath",
]);

const SVG_ATTRS = byLowerCase([
  "attributeName", "attributeType", "baseFrequency", "baseProfile", "calcMode",
  "clipPathUnits", "diffuseConstant", "edgeMode", "filterUnits", "glyphRef",
  "gradientTransform", "gradientUnits", "kernelMatrix", "kernelUnitLength",
  "keyPoints", "keySplines", "keyTimes", "lengthAdjust", "limitingConeAngle",
  "markerHeight", "markerUnits", "markerWidth", "maskContentUnits", "maskUnits",
  "numOctaves", "pathLength", "patternContentUnits", "patternTransform",
  "patternUnits", "pointsAtX", "pointsAtY", "pointsAtZ", "preserveAlpha",
  "preserveAspectRatio", "primitiveUnits", "refX", "refY", "repeatCount",
  "repeatDur", "requiredExtensions", "requiredFeatures", "specularConstant",
  "specularExponent", "spreadMethod", "startOffset", "stdDeviation", "stitchTiles",
  "surfaceScale", "systemLanguage", "tableValues", "targetX", "targetY",
  "textLength", "viewBox", "viewTarget", "xChannelSelector", "yChannelSelector",
  "zoomAndPan",
]);

const MATHML_ATTRS = byLowerCase(["definitionURL"]);

const PREFIXED_ATTRS = new Map([
  ["xlink", XLINK_NS],
  ["xml", XML_NS],
  ["xmlns", XMLNS_NS],
]);

/**
 * Create the element for a wire tag (`div`, `svg:path`, `math:mi`).
 * Throws (DOMException) for names the DOM rejects; the caller decides.
 * @param {Document} doc
 * @param {string} tag
 * @returns {Element}
 */
export function createElementFor(doc, tag) {
  if (tag.startsWith("svg:")) {
    const local = tag.slice(4);
    return doc.createElementNS(SVG_NS, SVG_TAGS.get(local) ?? local);
  }
  if (tag.startsWith("math:")) return doc.createElementNS(MATHML_NS, tag.slice(5));
  return doc.createElement(tag);
}

/**
 * Namespace and qualified name under which `name` lives on `el`.
 * @param {Element} el
 * @param {string} name
 * @returns {[string | null, string]}
 */
function resolveName(el, name) {
  const colon = name.indexOf(":");
  if (colon > 0) {
    const ns = PREFIXED_ATTRS.get(name.slice(0, colon));
    if (ns) return [ns, name];
  } else if (name === "xmlns") {
    return [XMLNS_NS, name];
  }
  if (el.namespaceURI === SVG_NS) return [null, SVG_ATTRS.get(name) ?? name];
  if (el.namespaceURI === MATHML_NS) return [null, MATHML_ATTRS.get(name) ?? name];
  return [null, name];
}

/**
 * Set (string) or remove (`null`) one wire attribute on `el`.
 * Throws (DOMException) for names the DOM rejects; the caller decides.
 * @param {Element} el
 * @param {string} name
 * @param {string|null} value
 */
export function setWireAttribute(el, name, value) {
  const [ns, qualified] = resolveName(el, name);
  if (value === null || value === undefined) {
    if (ns) el.removeAttributeNS(ns, qualified.slice(qualified.indexOf(":") + 1));
    else el.removeAttribute(qualified);
  } else if (ns) {
    el.setAttributeNS(ns, qualified, String(value));
  } else {
    el.setAttribute(qualified, String(value));
  }
}
