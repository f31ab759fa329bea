package dev.gatehouse.policy;

/**
 * A configuration file is wrong. The message reads {@code file:line: what is wrong and what to do},
 * ready to print as the one line an operator sees.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String problem;

    public ConfigException(String source, int line, String problem) {
        super(source + ":" + line + ": " + problem);
        this.source = source;
        this.line = line;
        this.problem = problem;
    }

    public ConfigException(String source, int line, String problem, Throwable cause) {
        super(source + ":" + line + ": " + problem, cause);
        this.source = source;
        this.line = line;
        this.problem = problem;
    }

    public String source() {
        return source;
    }

    /** 1-based line number. */
    public int line() {
        return line;
    }

    /** The message without the location. */
    public String problem() {
        return problem;
    }
}
