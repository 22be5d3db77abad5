package io.quiesce.shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line. Options may come before or after positional arguments ({@code checkpoint --kill sim}
 * = {@code checkpoint sim --kill}); {@code --opt=value} and {@code --opt value} are the same; {@code --} ends the
 * options. For commands that run a program, the first positional argument ends the options too, so the program's
 * own options stay its own.
 */
public final class CommandLine {
    private final Map<String, List<String>> options;
    private final List<String> positional;

    private CommandLine(Map<String, List<String>> options, List<String> positional) {
        this.options = options;
        this.positional = positional;
    }

    /**
     * @param command         the command's name, for messages
     * @param args            the arguments after the command name
     * @param flags           options without a value, e.g. {@code --json}
     * @param valued          options that take a value, e.g. {@code --name}
     * @param stopAtPositional true when the first positional argument starts a program's command line
     * @return the parsed line
     * @throws CommandFailure (exit 2) on an unknown option or a missing value
     */
    public static CommandLine parse(String command, List<String> args, Set<String> flags, Set<String> valued, boolean stopAtPositional) {
        Map<String, List<String>> opts = new HashMap<>();
        List<String> pos = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                pos.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (a.startsWith("--") || (a.startsWith("-") && a.length() == 2 && !Character.isDigit(a.charAt(1)))) {
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (flags.contains(name)) {
                    if (value != null) {
                        throw new CommandFailure(CommandFailure.USAGE, command + ": option " + name + " takes no value");
                    }
                    opts.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
                } else if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new CommandFailure(CommandFailure.USAGE, command + ": option " + name + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    opts.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                } else {
                    throw new CommandFailure(CommandFailure.USAGE, command + ": unknown option " + name + usage(flags, valued));
                }
                continue;
            }
            if (stopAtPositional) {
                pos.addAll(args.subList(i, args.size()));
                break;
            }
            pos.add(a);
        }
        return new CommandLine(opts, pos);
    }

    private static String usage(Set<String> flags, Set<String> valued) {
        List<String> all = new ArrayList<>(flags);
        valued.forEach(v -> all.add(v + " VALUE"));
        all.sort(null);
        return all.isEmpty() ? " (it takes no options)" : " (options: " + String.join(", ", all) + ")";
    }

    /**
     * @param flag a flag such as {@code --json}
     * @return whether it was given
     */
    public boolean has(String flag) {
        return options.containsKey(flag);
    }

    /**
     * @param option a valued option
     * @return its last value, or null
     */
    public String value(String option) {
        List<String> v = options.get(option);
        return v == null ? null : v.get(v.size() - 1);
    }

    /**
     * @param option a valued option that may repeat
     * @return every value given, in order
     */
    public List<String> values(String option) {
        return options.getOrDefault(option, List.of());
    }

    /** @return the positional arguments */
    public List<String> positional() {
        return positional;
    }

    /**
     * @param command the command's name, for the message
     * @param min     fewest positional arguments
     * @param max     most positional arguments
     * @param what    how to name them in the message, e.g. {@code "JOB"}
     * @return the positional arguments
     * @throws CommandFailure (exit 2) when their number is wrong
     */
    public List<String> positional(String command, int min, int max, String what) {
        if (positional.size() < min) {
            throw new CommandFailure(CommandFailure.USAGE, command + ": missing " + what);
        }
        if (positional.size() > max) {
            throw new CommandFailure(CommandFailure.USAGE, command + ": unexpected argument '" + positional.get(max) + "'");
        }
        return positional;
    }
}
