package dev.nimbo.server.hook;

import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.xml.XmlNode;
import java.io.StringReader;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads an object's state the generic way: the top-level {@code STATE} and {@code LCM_STATE} elements of its
 * XML document (OpenNebula's numbers), so STATE hooks work for any object type that renders them, without
 * knowing its class. Streams only the start of the document. Stateless and thread-safe.
 */
final class StateProbe {
    static final int NONE = -1;
    private static final XMLInputFactory FACTORY = XmlNode.secureFactory();

    private StateProbe() {
    }

    /** {state, lcmState}, each {@link #NONE} when the document has no such top-level element. */
    static int[] read(PoolObject o) {
        return read(o.toXml());
    }

    static int[] read(String xml) {
        int[] out = {NONE, NONE};
        try {
            XMLStreamReader r = FACTORY.createXMLStreamReader(new StringReader(xml));
            try {
                int depth = 0;
                while (r.hasNext()) {
                    int ev = r.next();
                    if (ev == XMLStreamConstants.START_ELEMENT) {
                        depth++;
                        if (depth == 2) {
                            String name = r.getLocalName();
                            if (name.equals("STATE") || name.equals("LCM_STATE")) {
                                int v = number(r.getElementText());
                                depth--; // getElementText consumed the end tag
                                out[name.equals("STATE") ? 0 : 1] = v;
                                if (out[0] != NONE && out[1] != NONE) {
                                    break;
                                }
                            } else if (name.equals("TEMPLATE")) {
                                break; // states come before the template in every document that has them
                            }
                        }
                    } else if (ev == XMLStreamConstants.END_ELEMENT) {
                        depth--;
                    }
                }
            } finally {
                r.close();
            }
        } catch (XMLStreamException e) {
            return out;
        }
        return out;
    }

    private static int number(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            return NONE;
        }
    }
}
