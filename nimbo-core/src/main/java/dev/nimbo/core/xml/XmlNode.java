package dev.nimbo.core.xml;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * A tiny immutable XML element tree, used to read stored object bodies and XML templates back.
 * The parser refuses DTDs and external entities (no entity-expansion attacks). Immutable, thread-safe.
 */
public record XmlNode(String name, String text, List<XmlNode> children) {

    private static final XMLInputFactory FACTORY = secureFactory();

    public XmlNode {
        children = List.copyOf(children);
    }

    public static XMLInputFactory secureFactory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        // JDK 25 caps a document's text at 100,000 characters; stored objects and templates can be larger.
        // With DTDs refused nothing can expand, so the limits only get in the way.
        for (String limit : new String[] {"jdk.xml.maxGeneralEntitySizeLimit", "jdk.xml.totalEntitySizeLimit"}) {
            try {
                f.setProperty(limit, "0");
            } catch (IllegalArgumentException olderJdk) {
                // no such limit
            }
        }
        return f;
    }

    /** Parses a document; throws IllegalArgumentException with a one-line reason when it is not well-formed. */
    public static XmlNode parse(String xml) {
        XMLStreamReader r = null;
        try {
            r = FACTORY.createXMLStreamReader(new StringReader(xml));
            while (r.hasNext()) {
                int ev = r.next();
                if (ev == XMLStreamReader.START_ELEMENT) {
                    return readElement(r);
                }
                if (ev == XMLStreamReader.DTD || ev == XMLStreamReader.ENTITY_REFERENCE) {
                    throw new IllegalArgumentException("DTDs and entity references are not allowed");
                }
            }
            throw new IllegalArgumentException("no root element");
        } catch (XMLStreamException e) {
            throw new IllegalArgumentException("malformed XML: " + firstLine(e.getMessage()));
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // nothing held
                }
            }
        }
    }

    private static XmlNode readElement(XMLStreamReader r) throws XMLStreamException {
        String name = r.getLocalName();
        List<XmlNode> kids = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (r.hasNext()) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamReader.START_ELEMENT -> kids.add(readElement(r));
                case XMLStreamReader.CHARACTERS, XMLStreamReader.CDATA, XMLStreamReader.SPACE -> text.append(r.getText());
                case XMLStreamReader.END_ELEMENT -> {
                    return new XmlNode(name, kids.isEmpty() ? text.toString() : text.toString().strip(), kids);
                }
                case XMLStreamReader.ENTITY_REFERENCE, XMLStreamReader.DTD ->
                        throw new IllegalArgumentException("DTDs and entity references are not allowed");
                default -> {
                    // comments and processing instructions are ignored
                }
            }
        }
        throw new IllegalArgumentException("unexpected end of XML");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** First child with this name, or null. */
    public XmlNode child(String childName) {
        for (XmlNode c : children) {
            if (c.name.equals(childName)) {
                return c;
            }
        }
        return null;
    }

    public List<XmlNode> all(String childName) {
        List<XmlNode> out = new ArrayList<>();
        for (XmlNode c : children) {
            if (c.name.equals(childName)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Text of the first child with this name, or the default when absent. */
    public String text(String childName, String dflt) {
        XmlNode c = child(childName);
        return c == null ? dflt : c.text;
    }

    public String text(String childName) {
        return text(childName, "");
    }

    public int integer(String childName, int dflt) {
        XmlNode c = child(childName);
        if (c == null || c.text.isBlank()) {
            return dflt;
        }
        return Integer.parseInt(c.text.strip());
    }

    public long longValue(String childName, long dflt) {
        XmlNode c = child(childName);
        if (c == null || c.text.isBlank()) {
            return dflt;
        }
        return Long.parseLong(c.text.strip());
    }

    public boolean isLeaf() {
        return children.isEmpty();
    }
}
