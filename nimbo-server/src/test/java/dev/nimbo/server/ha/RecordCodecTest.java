package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.document.Document;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.template.Template;
import dev.nimbo.server.persist.ObjectDecoders;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
    private final RecordCodec codec = new RecordCodec(new ObjectDecoders());

    @Test
    void aBatchRoundTripsWithTheStoresXmlBodies() {
        Document d = new Document(7, "naïve <doc> & \"quotes\"", 0, 0, "oneadmin", "oneadmin", 1, new Permissions(0640),
                Lock.NONE, Template.parse("A = \"1\"\nB = [ C = \"x\" ]"));
        List<Record> records = List.of(new Record.LastId(ObjectType.DOCUMENT, 7), new Record.Put(d),
                new Record.Delete(ObjectType.VM, 3));
        UUID id = UUID.randomUUID();
        byte[] bytes = codec.encode(id, 42, records);
        RecordCodec.Batch b = codec.decode(bytes);
        assertThat(b.id()).isEqualTo(id);
        assertThat(b.term()).isEqualTo(42);
        assertThat(RecordCodec.term(bytes)).isEqualTo(42);
        assertThat(b.records()).hasSize(3);
        assertThat(b.records().get(0)).isEqualTo(records.get(0));
        assertThat(b.records().get(2)).isEqualTo(records.get(2));
        Record.Put put = (Record.Put) b.records().get(1);
        assertThat(put.object().toXml()).isEqualTo(d.toXml());
    }

    @Test
    void aTruncatedOrForeignEntryIsRefused() {
        byte[] bytes = codec.encode(UUID.randomUUID(), 1, List.of(new Record.LastId(ObjectType.VM, 1)));
        assertThatThrownBy(() -> codec.decode(Arrays.copyOf(bytes, bytes.length - 2))).isInstanceOf(IllegalArgumentException.class);
        bytes[0] = 9;
        assertThatThrownBy(() -> codec.decode(bytes)).hasMessageContaining("format 9 is unknown");
    }
}
