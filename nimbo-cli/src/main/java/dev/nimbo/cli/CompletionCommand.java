package dev.nimbo.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code nimbo completion bash|zsh}: the shell completion script, generated from the command tree. */
@Command(name = "completion", header = "Print a shell completion script (bash or zsh).",
        description = {"Example:", "  source <(nimbo completion bash)      # or in ~/.zshrc: source <(nimbo completion zsh)"})
final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @Parameters(paramLabel = "SHELL", description = "bash or zsh")
    Shell shell;

    @ParentCommand
    Nimbo nimbo;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("nimbo", spec.root().commandLine());
        if (shell == Shell.zsh) {
            // zsh runs bash completion scripts through its compatibility layer
            script = "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + script;
        }
        nimbo.io().out().print(script);
        nimbo.io().out().flush();
        return ExitCodes.OK;
    }
}
