package dev.nimbo.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MigrationXmlTest {

    @Test
    void everyPathOfTheVmDirectoryMovesAndNothingElse() {
        String xml = """
                <domain type='qemu'><name>one-7</name><uuid>x</uuid>
                  <os><kernel>/a/agent0/datastores/0/7/kernel</kernel></os>
                  <disk type='file'><source file='/a/agent0/datastores/0/7/disk.0'/></disk>
                  <disk type='file'><source file="/a/agent0/datastores/0/71/disk.0"/></disk>
                  <serial type='file'><source path='/a/agent0/datastores/0/7/console.log'/></serial>
                  <disk type='file'><source file='/images/datastores/1/7'/></disk>
                </domain>""";
        String moved = MigrationXml.relocate(xml, 7, Path.of("/b/agent1/datastores/100/7"));
        assertThat(moved).contains("<kernel>/b/agent1/datastores/100/7/kernel</kernel>")
                .contains("file='/b/agent1/datastores/100/7/disk.0'")
                .contains("path='/b/agent1/datastores/100/7/console.log'")
                .contains("/a/agent0/datastores/0/71/disk.0") // another VM's directory
                .contains("'/images/datastores/1/7'") // not a file inside a VM directory
                .doesNotContain("agent0/datastores/0/7/");
    }
}
