package dev.nimbo.server.ha;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Record;
import dev.nimbo.server.persist.ObjectDecoders;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One controller batch as a Raft log entry. Objects travel as the same XML bodies the store keeps and are read
 * back with the same {@link ObjectDecoders}, so there is one format for an object, on disk and on the wire.
 * The header carries the batch's ID (to recognise this replica's own batches when they are applied) and the
 * term the proposer led in (a batch from a past leadership is refused). Thread-safe.
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
            out.writeByte(VERSION);
            out.writeLong(id.getMostSignificantBits());
            out.writeLong(id.getLeastSignificantBits());
            out.writeLong(term);
            out.writeInt(records.size());
            for (Record r : records) {
                switch (r) {
                    case Record.Put p -> {
                        out.writeByte(PUT);
                        out.writeUTF(p.object().type().name());
                        byte[] body = p.object().toXml().getBytes(StandardCharsets.UTF_8);
                        out.writeInt(body.length);
                        out.write(body);
                    }
                    case Record.Delete d -> {
                        out.writeByte(DELETE);
                        out.writeUTF(d.type().name());
                        out.writeInt(d.id());
                    }
                    case Record.LastId l -> {
                        out.writeByte(LAST_ID);
                        out.writeUTF(l.type().name());
                        out.writeInt(l.lastId());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory stream: cannot happen
        }
        return bytes.toByteArray();
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
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
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
