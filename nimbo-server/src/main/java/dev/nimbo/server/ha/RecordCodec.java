package dev.nimbo.server.ha;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Record;
import dev.nimbo.server.persist.ObjectDecoders;
import dev.nimbo.core.state.Store;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One controller batch as a Raft log entry. Objects travel as the same XML bodies the store keeps and are read
 * back with the same {@link ObjectDecoders}, so there is one format for an object, on disk and on the wire.
 * The header carries the batch's ID (to recognise this replica's own batches when they are applied) and the
 * term the proposer led in (a batch from a past leadership is refused). A snapshot of the whole state uses the
 * same format. Thread-safe.
 */
public final class RecordCodec {
    private static final int VERSION = 1;
    private static final byte PUT = 1;
    private static final byte DELETE = 2;
    private static final byte LAST_ID = 3;

    /** A decoded entry. */
    public record Batch(UUID id, long term, List<Record> records) {
    }

    private final ObjectDecoders decoders;

    public RecordCodec(ObjectDecoders decoders) {
        this.decoders = decoders;
    }

    public byte[] encode(UUID id, long term, List<Record> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + records.size() * 512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeHeader(out, id, term, records.size());
            for (Record r : records) {
                switch (r) {
                    case Record.Put p -> writePut(out, p.object().type(), p.object().toXml());
                    case Record.Delete d -> {
                        out.writeByte(DELETE);
                        out.writeUTF(d.type().name());
                        out.writeInt(d.id());
                    }
                    case Record.LastId l -> writeLastId(out, l.type(), l.lastId());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory stream: cannot happen
        }
        return bytes.toByteArray();
    }

    /**
     * A whole stored state (a Raft snapshot) in the same format: one Put per stored row, its body as stored,
     * then the ID sequences. Decoding it gives the records that rebuild that state.
     */
    public static void encodeSnapshot(Store.Snapshot state, long term, OutputStream target) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(target, 1 << 16));
        writeHeader(out, new UUID(0, 0), term, state.rows().size() + state.lastIds().size());
        for (Store.Row row : state.rows()) {
            writePut(out, row.type(), row.body());
        }
        for (Map.Entry<ObjectType, Integer> e : state.lastIds().entrySet()) {
            writeLastId(out, e.getKey(), e.getValue());
        }
        out.flush();
    }

    private static void writeHeader(DataOutputStream out, UUID id, long term, int count) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
        out.writeLong(term);
        out.writeInt(count);
    }

    private static void writePut(DataOutputStream out, ObjectType type, String xml) throws IOException {
        out.writeByte(PUT);
        out.writeUTF(type.name());
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        out.writeInt(body.length);
        out.write(body);
    }

    private static void writeLastId(DataOutputStream out, ObjectType type, int lastId) throws IOException {
        out.writeByte(LAST_ID);
        out.writeUTF(type.name());
        out.writeInt(lastId);
    }

    /** The header only, without decoding the objects (the leader checks the term before appending). */
    public static long term(byte[] entry) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            checkVersion(in.readUnsignedByte());
            in.readLong();
            in.readLong();
            return in.readLong();
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated record batch", e);
        }
    }

    public Batch decode(byte[] entry) {
        return decode(new ByteArrayInputStream(entry));
    }

    /** Reads one batch or snapshot from a stream (closed after). */
    public Batch decode(InputStream source) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(source, 1 << 16))) {
            checkVersion(in.readUnsignedByte());
            UUID id = new UUID(in.readLong(), in.readLong());
            long term = in.readLong();
            int n = in.readInt();
            List<Record> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte tag = in.readByte();
                ObjectType type = ObjectType.valueOf(in.readUTF());
                records.add(switch (tag) {
                    case PUT -> {
                        byte[] body = new byte[in.readInt()];
                        in.readFully(body);
                        yield new Record.Put(decoders.decodeObject(type, new String(body, StandardCharsets.UTF_8)));
                    }
                    case DELETE -> new Record.Delete(type, in.readInt());
                    case LAST_ID -> new Record.LastId(type, in.readInt());
                    default -> throw new IllegalArgumentException("unknown record tag " + tag);
                });
            }
            return new Batch(id, term, records);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated record batch", e);
        }
    }

    private static void checkVersion(int v) {
        if (v != VERSION) {
            throw new IllegalArgumentException("record batch format " + v + " is unknown to this Nimbo build");
        }
    }
}
