package dev.gatehouse.policy;

/** Parses and validates a policy YAML document (shape in the README). Pure: text in, policy out. */
public final class PolicyLoader {
    private PolicyLoader() {}

    /**
     * @param yaml the document text
     * @param source the file name used in error messages
     * @throws ConfigException naming {@code source:line} and what is wrong, on the first problem
     */
    public static Policy parse(String yaml, String source) {
        return PolicyParser.parse(ConfigNode.parse(yaml, source));
    }
}
