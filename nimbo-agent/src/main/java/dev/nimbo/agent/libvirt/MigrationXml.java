package dev.nimbo.agent.libvirt;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A domain's XML moved to another host: every file of the VM lives in its directory
 * ({@code DATA/datastores/DS/VM/...}), whose absolute path differs from host to host, so the paths are pointed at
 * the directory of the host the domain goes to (live migration) or arrived on (restore of a checkpoint saved
 * elsewhere). Everything else stays as is: libvirt refuses a target XML whose guest ABI differs. Stateless.
 */
final class MigrationXml {

    private MigrationXml() {
    }

    /** The XML with the VM's directory, wherever it was, replaced by {@code dir}. */
    static String relocate(String xml, int vmId, Path dir) {
        // a VM directory path as an attribute value or element text: '/…/datastores/<ds>/<vm>/'
        Pattern vmDir = Pattern.compile("(?<=['\">])/[^'\"<>]*/datastores/\\d+/" + vmId + "(?=/)");
        return vmDir.matcher(xml).replaceAll(Matcher.quoteReplacement(dir.toAbsolutePath().normalize().toString()));
    }
}
