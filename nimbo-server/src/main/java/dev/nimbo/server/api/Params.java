package dev.nimbo.server.api;

import dev.nimbo.core.error.ApiException;
import java.util.List;

/**
 * The parameters of one call after the session string, with typed access. A missing or mistyped parameter
 * is an XML_RPC_API error naming its position, as clients need to see which argument was wrong.
 */
public final class Params {
    private final String method;
    private final List<Object> values;

    public Params(String method, List<Object> values) {
        this.method = method;
        this.values = values;
    }

    public int size() {
        return values.size();
    }

    /** Refuses calls with fewer than {@code min} or more than {@code max} parameters (session excluded). */
    public void arity(int min, int max) {
        if (values.size() < min || values.size() > max) {
            String expected = min == max ? String.valueOf(min) : min + " to " + max;
            throw ApiException.api("[" + method + "] Wrong number of parameters: expected " + expected
                    + " after the session string, got " + values.size() + ".");
        }
    }

    public boolean has(int index) {
        return index < values.size();
    }

    public int integer(int index) {
        Object v = get(index);
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw wrongType(index, "an integer", v);
    }

    public int integer(int index, int dflt) {
        return has(index) ? integer(index) : dflt;
    }

    public long longInteger(int index) {
        Object v = get(index);
        if (v instanceof Integer i) {
            return i;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw wrongType(index, "an integer", v);
    }

    public String string(int index) {
        Object v = get(index);
        if (v instanceof String s) {
            return s;
        }
        throw wrongType(index, "a string", v);
    }

    public String string(int index, String dflt) {
        return has(index) ? string(index) : dflt;
    }

    public boolean bool(int index) {
        Object v = get(index);
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(index, "a boolean", v);
    }

    public boolean bool(int index, boolean dflt) {
        return has(index) ? bool(index) : dflt;
    }

    public List<?> array(int index) {
        Object v = get(index);
        if (v instanceof List<?> l) {
            return l;
        }
        throw wrongType(index, "an array", v);
    }

    /** Integers in an array parameter (e.g. the group IDs of one.user.allocate). */
    public List<Integer> intArray(int index) {
        List<?> raw = array(index);
        java.util.ArrayList<Integer> out = new java.util.ArrayList<>(raw.size());
        for (Object o : raw) {
            if (o instanceof Integer i) {
                out.add(i);
            } else if (o instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
                out.add(l.intValue());
            } else {
                throw ApiException.api("[" + method + "] Parameter " + (index + 2) + " must be an array of integers.");
            }
        }
        return out;
    }

    private Object get(int index) {
        if (index >= values.size()) {
            throw ApiException.api("[" + method + "] Missing parameter " + (index + 2) + ".");
        }
        return values.get(index);
    }

    private ApiException wrongType(int index, String expected, Object got) {
        // Positions count the session string as parameter 1, as the API reference numbers them.
        return ApiException.api("[" + method + "] Parameter " + (index + 2) + " must be " + expected + ", got "
                + describe(got) + ".");
    }

    private static String describe(Object v) {
        if (v == null) {
            return "nil";
        }
        return switch (v) {
            case String s -> "a string";
            case Integer i -> "an integer";
            case Long l -> "a 64-bit integer";
            case Boolean b -> "a boolean";
            case Double d -> "a double";
            case List<?> l -> "an array";
            case java.util.Map<?, ?> m -> "a struct";
            case byte[] b -> "base64 data";
            default -> v.getClass().getSimpleName();
        };
    }
}
