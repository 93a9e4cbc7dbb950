package dev.nimbo.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The nimbo-bench command: one subcommand per benchmark. */
@Command(name = "nimbo-bench", mixinStandardHelpOptions = true, subcommands = {UserInfoBench.class, HaBench.class, HostsBench.class, VmsBench.class,
        ScaleBench.class, SchedBench.class, EdgeBench.class},
        description = "Nimbo benchmarks. Results go to docs/benchmarks.md.")
public final class NimboBench {
    public static void main(String[] args) {
        System.exit(new CommandLine(new NimboBench()).execute(args));
    }
}
