package dev.nimbo.cli;

import dev.nimbo.cli.xml.XmlNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Base of every {@code nimbo <object>} command: the shared verbs' machinery (list with watch, show,
 * name→ID resolution, template from a file, stdin or {@code $EDITOR}) so that a family class only
 * declares its {@link Kind}, its verbs and its detail view. One instance per invocation.
 */
public abstract class Family implements Callable<Integer> {
    @ParentCommand
    protected Nimbo nimbo;

    @Spec
    protected CommandSpec spec;

    /** {@code nimbo user} without a verb is a usage error naming the verbs. */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    public Api api() {
        return nimbo.api();
    }

    public Printer printer() {
        return nimbo.printer();
    }

    public Io io() {
        return nimbo.io();
    }

    public void print(String text) {
        io().out().print(text);
        io().out().flush();
    }

    public int resolve(Kind kind, String token) {
        return kind.resolve(api(), token);
    }

    /** Fetches and prints the pool; with {@code -w} repeats, clearing the screen between rounds. */
    protected int list(Kind kind, WatchOption watch) {
        if (watch == null || watch.seconds == null) {
            print(printer().list(kind, api().xml(kind.poolMethod(), kind.poolParams())));
            return ExitCodes.OK;
        }
        if (watch.seconds < 1) {
            throw CliException.usage("--watch needs at least 1 second");
        }
        for (int round = 1; ; round++) {
            String text = printer().list(kind, api().xml(kind.poolMethod(), kind.poolParams()));
            print((io().terminal() ? "\033[H\033[2J" : "") + text);
            if (watch.count > 0 && round >= watch.count) {
                return ExitCodes.OK;
            }
            try {
                Thread.sleep(watch.seconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ExitCodes.OK;
            }
            if (!io().terminal()) {
                print("\n");
            }
        }
    }

    /** Prints one object: {@code detail} for humans, else XML/JSON of the info document. */
    protected int show(Kind kind, int id, Function<XmlNode, String> detail) {
        XmlNode doc = api().xml(kind.infoMethod(), id, false);
        print(printer().document(doc, () -> detail.apply(doc)));
        return ExitCodes.OK;
    }

    protected int printId(int id) {
        print(printer().id(id));
        return ExitCodes.OK;
    }

    /**
     * Template text from {@code file} ("-" is stdin), or, without a file, what the user saves in
     * {@code $EDITOR} starting from {@code current}. Returns null when the edit changed nothing.
     */
    public String templateInput(String file, Supplier<String> current) {
        if (file != null) {
            return readFile(file);
        }
        String before = current.get();
        String after = Editor.edit(io(), before);
        if (after.equals(before)) {
            io().err().println("nimbo: no changes, nothing sent");
            io().err().flush();
            return null;
        }
        return after;
    }

    public String readFile(String file) {
        if (file.equals("-")) {
            return io().readAllInput();
        }
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw CliException.usage("no such file: " + file);
        } catch (IOException e) {
            throw CliException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }
}
