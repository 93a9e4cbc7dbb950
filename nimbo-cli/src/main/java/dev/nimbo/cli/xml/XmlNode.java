package dev.nimbo.cli.xml;

import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Read-only view of one element of an OpenNebula document, with the small path lookups the CLI needs
 * ({@code text("TEMPLATE/ENDPOINT")}). Missing elements read as empty strings so columns never fail on
 * an optional field. Not thread-safe (wraps a DOM node).
 */
public final class XmlNode {
    private final Element element;

    XmlNode(Element element) {
        this.element = element;
    }

    public String name() {
        return element.getTagName();
    }

    public Element element() {
        return element;
    }

    /** Trimmed text of this element (CDATA included). */
    public String text() {
        return element.getTextContent().trim();
    }

    /** Text of the first element at {@code path} ("A/B"), or "" when absent. */
    public String text(String path) {
        XmlNode n = at(path);
        return n == null ? "" : n.text();
    }

    /** First element at {@code path} ("A/B"), or null. */
    public XmlNode at(String path) {
        XmlNode cur = this;
        for (String step : path.split("/")) {
            if (step.isEmpty()) {
                continue;
            }
            cur = cur.child(step);
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    /** All elements at {@code path}: every match of the last step under the first match of the others. */
    public List<XmlNode> all(String path) {
        int slash = path.lastIndexOf('/');
        XmlNode parent = slash < 0 ? this : at(path.substring(0, slash));
        return parent == null ? List.of() : parent.children(path.substring(slash + 1));
    }

    public XmlNode child(String name) {
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return new XmlNode(e);
            }
        }
        return null;
    }

    public List<XmlNode> children(String name) {
        List<XmlNode> out = new ArrayList<>();
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                out.add(new XmlNode(e));
            }
        }
        return out;
    }

    /** All child elements, in document order. */
    public List<XmlNode> children() {
        List<XmlNode> out = new ArrayList<>();
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(new XmlNode(e));
            }
        }
        return out;
    }

    public boolean isLeaf() {
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element) {
                return false;
            }
        }
        return true;
    }

    /** Detaches this element from its parent (used to drop filtered-out pool items before printing). */
    public void remove() {
        Node parent = element.getParentNode();
        if (parent != null) {
            parent.removeChild(element);
        }
    }

    @Override
    public String toString() {
        return Xml.serialize(this);
    }
}
