package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayChannelSessionTest {
    @Test
    void onlyLocaleAndTerminalVariablesPassTheEnvironmentAllowList() {
        // Threat: LD_PRELOAD, BASH_ENV or PATH sent by the client would run code or change behaviour on the node.
        assertThat(GatewayChannelSession.allowedEnv("LANG")).isTrue();
        assertThat(GatewayChannelSession.allowedEnv("LC_ALL")).isTrue();
        assertThat(GatewayChannelSession.allowedEnv("LC_CTYPE")).isTrue();
        assertThat(GatewayChannelSession.allowedEnv("TERM")).isTrue();
        assertThat(GatewayChannelSession.allowedEnv("LD_PRELOAD")).isFalse();
        assertThat(GatewayChannelSession.allowedEnv("BASH_ENV")).isFalse();
        assertThat(GatewayChannelSession.allowedEnv("PATH")).isFalse();
        assertThat(GatewayChannelSession.allowedEnv("LC_")).isFalse();
        assertThat(GatewayChannelSession.allowedEnv("LC_all")).isFalse();
        assertThat(GatewayChannelSession.allowedEnv("LANGUAGE")).isFalse();
    }
}
