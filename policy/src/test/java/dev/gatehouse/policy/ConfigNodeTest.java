package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigNodeTest {

    @Test
    void emptyDocumentIsAnEmptyMapping() {
        assertThat(ConfigNode.parse("", "f.yaml").map("root")).isEmpty();
        assertThat(ConfigNode.parse("# only a comment\n", "f.yaml").isMap()).isTrue();
    }

    @Test
    void invalidYamlNamesTheLine() {
        assertThatThrownBy(() -> ConfigNode.parse("a: 1\nb: [unclosed\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("f.yaml:")
                .hasMessageContaining("not valid YAML");
    }

    /** Aliases make one value appear in two places, so what a reader sees at a line is not the whole story. */
    @Test
    void anchorsAndAliasesAreRefused() {
        assertThatThrownBy(() -> ConfigNode.parse("a: &x 1\nb: *x\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("f.yaml:1: YAML anchors and aliases");
        assertThatThrownBy(() -> ConfigNode.parse("a: &x [1]\nb: *x\n", "f.yaml")).isInstanceOf(ConfigException.class);
    }

    @Test
    void customTagsAreRefused() {
        assertThatThrownBy(() -> ConfigNode.parse("a: !secret x\n", "f.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("f.yaml:1: YAML tag '!secret'");
        assertThatThrownBy(() -> ConfigNode.parse("a: !!python/object x\n", "f.yaml")).isInstanceOf(ConfigException.class);
    }

    @Test
    void duplicateKeysAreRefusedAtTheSecondKey() {
        ConfigNode root = ConfigNode.parse("a: 1\nb: 2\na: 3\n", "f.yaml");
        assertThatThrownBy(() -> root.map("the file")).hasMessage("f.yaml:3: 'a' appears twice in the file; keep one");
    }

    @Test
    void unknownFieldListsTheKnownOnes() {
        ConfigNode root = ConfigNode.parse("nmae: x\n", "f.yaml");
        assertThatThrownBy(() -> root.fields("a user", Set.of("name", "keys")))
                .hasMessage("f.yaml:1: unknown field 'nmae' in a user (known: keys, name)");
    }

    @Test
    void nullValuesAreRecognised() {
        var fields = ConfigNode.parse("a:\nb: ~\nc: null\nd: ''\n", "f.yaml").map("m");
        assertThat(fields.get("a").isNull()).isTrue();
        assertThat(fields.get("b").isNull()).isTrue();
        assertThat(fields.get("c").isNull()).isTrue();
        assertThat(fields.get("d").isNull()).isFalse();
    }

    @Test
    void durationsParseAndOverflowIsAnError() {
        var fields = ConfigNode.parse("a: 90s\nb: 250ms\nc: 7d\nd: 999999999999999999d\n", "f.yaml").map("m");
        assertThat(fields.get("a").duration("a")).isEqualTo(Duration.ofSeconds(90));
        assertThat(fields.get("b").duration("b")).isEqualTo(Duration.ofMillis(250));
        assertThat(fields.get("c").duration("c")).isEqualTo(Duration.ofDays(7));
        assertThatThrownBy(() -> fields.get("d").duration("d")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("f.yaml:4: d is too large");
    }
}
