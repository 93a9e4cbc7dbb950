package dev.nimbo.cli.xml;

import java.io.IOException;
import java.io.StringReader;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Parses and prints the XML documents the API returns. Parsing refuses DOCTYPEs and external
 * entities: a response is untrusted input and must not make the CLI read local files or the network.
 */
public final class Xml {
    private Xml() {}

    /** Parses {@code xml}; a malformed document throws {@link IllegalArgumentException} with a short reason. */
    public static XmlNode parse(String xml) {
        try {
            DocumentBuilder builder = factory().newDocumentBuilder();
            builder.setErrorHandler(null); // default handler prints to stderr; we report ourselves
            Element root = builder.parse(new InputSource(new StringReader(xml))).getDocumentElement();
            return new XmlNode(root);
        } catch (SAXException | IOException e) {
            throw new IllegalArgumentException("invalid XML in response: " + e.getMessage(), e);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DocumentBuilderFactory factory() throws ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setNamespaceAware(false);
        return f;
    }

    /** Indented XML of {@code node}; whitespace-only text between elements is dropped. */
    public static String serialize(XmlNode node) {
        StringBuilder out = new StringBuilder();
        write(out, node.element(), 0);
        return out.toString();
    }

    private static void write(StringBuilder out, Element e, int depth) {
        out.append("  ".repeat(depth)).append('<').append(e.getTagName());
        NamedNodeMap attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            Attr a = (Attr) attrs.item(i);
            out.append(' ').append(a.getName()).append("=\"").append(escape(a.getValue(), true)).append('"');
        }
        boolean hasElements = false;
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            hasElements |= n instanceof Element;
        }
        if (!hasElements) {
            String text = e.getTextContent();
            if (text.isEmpty()) {
                out.append("/>\n");
            } else {
                out.append('>').append(escape(text, false)).append("</").append(e.getTagName()).append(">\n");
            }
            return;
        }
        out.append(">\n");
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element child) {
                write(out, child, depth + 1);
            }
        }
        out.append("  ".repeat(depth)).append("</").append(e.getTagName()).append(">\n");
    }

    public static String escape(String s, boolean attribute) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append(attribute ? "&quot;" : "\"");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
