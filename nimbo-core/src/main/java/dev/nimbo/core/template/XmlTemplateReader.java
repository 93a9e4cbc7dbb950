package dev.nimbo.core.template;

import dev.nimbo.core.xml.XmlNode;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.Location;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads the XML form with StAX: any root element; each child is an attribute, a vector when it has element
 * children, else a single value (text and CDATA concatenated, kept verbatim). DTDs and entity declarations
 * are refused outright, so neither external entities nor entity expansion can happen.
 */
final class XmlTemplateReader {
    // Shared like XmlNode's: the factory is configured once and only used to create readers.
    private static final XMLInputFactory FACTORY = XmlNode.secureFactory();

    private final XMLStreamReader r;
    private final int lineOffset;

    private XmlTemplateReader(XMLStreamReader r, int lineOffset) {
        this.r = r;
        this.lineOffset = lineOffset;
    }

    static List<Attribute> parse(String xml) {
        // StAX rejects whitespace before an XML declaration; skip it but keep line numbers true.
        int start = 0;
        int skippedLines = 0;
        while (start < xml.length() && (Character.isWhitespace(xml.charAt(start)) || xml.charAt(start) == '\ufeff')) {
            if (xml.charAt(start) == '\n') {
                skippedLines++;
            }
            start++;
        }
        XMLStreamReader r = null;
        try {
            r = FACTORY.createXMLStreamReader(new StringReader(xml.substring(start)));
            return new XmlTemplateReader(r, skippedLines).document();
        } catch (XMLStreamException e) {
            throw malformed(e, skippedLines);
        } catch (IllegalStateException | IllegalArgumentException | java.util.NoSuchElementException e) {
            throw new TemplateException("malformed XML template: " + oneLine(e.getMessage()));
        } finally {
            if (r != null) {
                try {
                    r.close();
                } catch (XMLStreamException ignored) {
                    // a StringReader holds no resources
                }
            }
        }
    }

    private List<Attribute> document() throws XMLStreamException {
        List<Attribute> attributes = null;
        while (r.hasNext()) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamReader.START_ELEMENT -> {
                    if (attributes != null) {
                        throw error("more than one root element");
                    }
                    attributes = root();
                }
                case XMLStreamReader.DTD -> throw error("DOCTYPE declarations are not allowed");
                case XMLStreamReader.ENTITY_REFERENCE, XMLStreamReader.ENTITY_DECLARATION ->
                        throw error("entity references are not allowed");
                default -> {
                    // prolog, comments, processing instructions, whitespace
                }
            }
        }
        if (attributes == null) {
            throw error("no root element");
        }
        return attributes;
    }

    private List<Attribute> root() throws XMLStreamException {
        List<Attribute> out = new ArrayList<>();
        while (true) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamReader.START_ELEMENT -> out.add(attribute());
                case XMLStreamReader.END_ELEMENT -> {
                    return out;
                }
                default -> checkEvent(ev, null); // stray text in the root is ignored, as OpenNebula does
            }
        }
    }

    /** The cursor is on the attribute's start tag. */
    private Attribute attribute() throws XMLStreamException {
        String name = name();
        StringBuilder text = new StringBuilder();
        List<SingleAttribute> values = null;
        while (true) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamReader.START_ELEMENT -> {
                    if (values == null) {
                        values = new ArrayList<>();
                    }
                    values.add(leaf(name));
                }
                case XMLStreamReader.END_ELEMENT -> {
                    // Text between a vector's elements is only layout; OpenNebula ignores it too.
                    return values == null ? new SingleAttribute(name, text.toString())
                            : new VectorAttribute(name, values);
                }
                default -> checkEvent(ev, text);
            }
        }
    }

    /** A vector's sub-attribute: text only, vectors do not nest. */
    private SingleAttribute leaf(String vector) throws XMLStreamException {
        String key = name();
        StringBuilder text = new StringBuilder();
        while (true) {
            int ev = r.next();
            switch (ev) {
                case XMLStreamReader.START_ELEMENT ->
                        throw error("nested vectors are not allowed (" + vector + "/" + key + "/" + r.getLocalName() + ")");
                case XMLStreamReader.END_ELEMENT -> {
                    return new SingleAttribute(key, text.toString());
                }
                default -> checkEvent(ev, text);
            }
        }
    }

    private void checkEvent(int ev, StringBuilder text) {
        switch (ev) {
            case XMLStreamReader.CHARACTERS, XMLStreamReader.CDATA, XMLStreamReader.SPACE -> {
                if (text != null) {
                    text.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                }
            }
            case XMLStreamReader.ENTITY_REFERENCE, XMLStreamReader.ENTITY_DECLARATION, XMLStreamReader.DTD ->
                    throw error("entity references are not allowed");
            default -> {
                // comments and processing instructions carry no value
            }
        }
    }

    private String name() {
        String raw = r.getLocalName();
        if (!Names.isValid(raw)) {
            throw error("invalid attribute name " + Texts.describe(raw) + " (" + Names.RULE + ")");
        }
        return raw;
    }

    private TemplateException error(String what) {
        Location at = r.getLocation();
        String where = at != null && at.getLineNumber() > 0 ? " at line " + (at.getLineNumber() + lineOffset) : "";
        return new TemplateException("XML template error" + where + ": " + what);
    }

    private static TemplateException malformed(XMLStreamException e, int lineOffset) {
        Location at = e.getLocation();
        String where = at != null && at.getLineNumber() > 0 ? " at line " + (at.getLineNumber() + lineOffset) : "";
        String msg = e.getMessage() == null ? "" : e.getMessage();
        // The JDK prefixes "ParseError at [row,col]:[l,c]" and "Message: "; keep only the reason.
        int m = msg.indexOf("Message:");
        if (m >= 0) {
            msg = msg.substring(m + "Message:".length());
        }
        return new TemplateException("malformed XML template" + where + ": " + oneLine(msg));
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
