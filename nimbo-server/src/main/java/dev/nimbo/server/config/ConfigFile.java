package dev.nimbo.server.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads a {@link YamlLite} file, turning I/O and syntax problems into a {@link Section.ConfigException} naming the file. */
public final class ConfigFile {
    private ConfigFile() {
    }

    public static Map<String, Object> read(Path file) {
        try {
            return YamlLite.parse(Files.readString(file));
        } catch (IOException e) {
            throw new Section.ConfigException("cannot read " + file + ": " + e.getMessage());
        } catch (YamlLite.YamlException e) {
            throw new Section.ConfigException(file + ": " + e.getMessage());
        }
    }
}
