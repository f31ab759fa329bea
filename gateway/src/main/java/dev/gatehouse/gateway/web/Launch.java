package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.Identity;
import java.time.Instant;

/**
 * What a one-time launch token stands for: a console session's identity handed to one app host.
 *
 * @param identity who
 * @param webSession the console cookie's {@code sid}, carried into the app cookie
 * @param notAfter when the console cookie ends; the app cookie never outlives it
 * @param appHost the one host that may redeem it ({@code APP--NODE.apps.HOST})
 */
record Launch(Identity identity, String webSession, Instant notAfter, String appHost) {}
