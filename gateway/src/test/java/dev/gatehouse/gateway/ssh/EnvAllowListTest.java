package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnvAllowListTest {
    @Test
    void localeVariablesPassAsOpenSshAcceptEnvLcStarPassesThem() {
        // what `AcceptEnv LANG LC_*` on an OpenSSH node accepts from a direct login
        assertThat(EnvAllowList.allows("LANG")).isTrue();
        assertThat(EnvAllowList.allows("TERM")).isTrue();
        assertThat(EnvAllowList.allows("LC_ALL")).isTrue();
        assertThat(EnvAllowList.allows("LC_QA1")).isTrue();
        assertThat(EnvAllowList.allows("LC_qa")).isTrue();
        assertThat(EnvAllowList.allows("LC_")).isTrue();
        assertThat(EnvAllowList.allows("LC_é")).isTrue();
    }

    @Test
    void variablesOutsideTheListAreRefused() {
        // Threat: LD_PRELOAD, BASH_ENV or PATH sent by the client would run code or change behaviour on the node.
        assertThat(EnvAllowList.allows("LD_PRELOAD")).isFalse();
        assertThat(EnvAllowList.allows("BASH_ENV")).isFalse();
        assertThat(EnvAllowList.allows("PATH")).isFalse();
        assertThat(EnvAllowList.allows("LANGUAGE")).isFalse();
        assertThat(EnvAllowList.allows("lc_all")).as("case matters, as in OpenSSH").isFalse();
        assertThat(EnvAllowList.allows("XLC_ALL")).isFalse();
        assertThat(EnvAllowList.allows("LC")).isFalse();
    }

    @Test
    void namesThatAreNoVariableNamesAreRefusedEvenWhenAPatternMatches() {
        // Threat: "LC_X=1\0LD_PRELOAD=..." or a name with '=' smuggles another variable into the node's environment.
        assertThat(EnvAllowList.invalidName("LC_A=B")).isEqualTo("variable name contains '='");
        assertThat(EnvAllowList.allows("LC_A=B")).isFalse();
        assertThat(EnvAllowList.allows("LC_A\u0000LD_PRELOAD")).isFalse();
        assertThat(EnvAllowList.allows("LC_\u001b[2J")).isFalse();
        assertThat(EnvAllowList.allows("LC_\u0085")).isFalse();
        assertThat(EnvAllowList.invalidName("LC_\n")).isEqualTo("variable name contains a control character");
        assertThat(EnvAllowList.invalidName("")).isEqualTo("empty variable name");
        assertThat(EnvAllowList.invalidName("LC_ALL")).isNull();
    }

    @Test
    void patternsMatchLikeOpenSshMatchPattern() {
        assertThat(EnvAllowList.matches("LC_ALL", "LC_*")).isTrue();
        assertThat(EnvAllowList.matches("LC_", "LC_*")).isTrue();
        assertThat(EnvAllowList.matches("abc", "a?c")).isTrue();
        assertThat(EnvAllowList.matches("ac", "a?c")).isFalse();
        assertThat(EnvAllowList.matches("a-x-b-y-b", "a*b")).isTrue();
        assertThat(EnvAllowList.matches("a-x-b-y", "a*b")).isFalse();
        assertThat(EnvAllowList.matches("anything", "*")).isTrue();
        assertThat(EnvAllowList.matches("", "*")).isTrue();
        assertThat(EnvAllowList.matches("", "?")).isFalse();
        assertThat(EnvAllowList.matches("LC_A", "LC_A*")).isTrue();
        assertThat(EnvAllowList.matches("LANG", "LANG")).isTrue();
        assertThat(EnvAllowList.matches("LANGX", "LANG")).isFalse();
        assertThat(EnvAllowList.matches("*", "*")).isTrue();
        assertThat(EnvAllowList.matches("x*", "x?")).isTrue();
    }

}
