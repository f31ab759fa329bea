package dev.gatehouse.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dependencies point one way: gateway → (pki, policy, session-recorder); the libraries stay free of transports. */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.gatehouse");
    }

    @Test
    void policyIsPureAndStandsAlone() {
        // java.net.URI (and its parse error) are values the policy parses (apps' targets), never opens:
        // the only java.net types allowed; sockets, URLs and resolvers stay out
        noClasses().that().resideInAPackage("dev.gatehouse.policy..")
                .should().dependOnClassesThat(com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage(
                        "org.apache.sshd..", "io.netty..", "java.net..", "java.nio.file..", "java.sql..",
                        "dev.gatehouse.gateway..", "dev.gatehouse.pki..", "dev.gatehouse.recorder..")
                        .and(com.tngtech.archunit.base.DescribedPredicate.not(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(java.net.URI.class)))
                        .and(com.tngtech.archunit.base.DescribedPredicate.not(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo(java.net.URISyntaxException.class))))
                .check(classes);
    }

    @Test
    void recorderKnowsNoTransportAndNoGateway() {
        noClasses().that().resideInAPackage("dev.gatehouse.recorder..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.sshd..", "io.netty..", "dev.gatehouse.gateway..",
                        "dev.gatehouse.policy..")
                .check(classes);
    }

    @Test
    void pkiDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("dev.gatehouse.pki..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.gatehouse.gateway..", "dev.gatehouse.policy..",
                        "dev.gatehouse.recorder..", "io.netty..")
                .check(classes);
    }

    /**
     * Audit event types anywhere in the gateway come from EventType, never from a string spelled at the call:
     * the stored names are part of the audit record, so they live in one enum. Only AuditTrail itself and
     * SessionFacts (which passes {@code type.wire()}) build an AuditEvent from a type string.
     */
    @Test
    void gatewayNamesAuditEventsThroughEventType() {
        noClasses().that().resideInAPackage("dev.gatehouse.gateway..")
                .and().doNotHaveFullyQualifiedName(dev.gatehouse.gateway.session.AuditTrail.class.getName())
                .should().callMethod(dev.gatehouse.gateway.session.AuditTrail.class, "event", String.class, String.class)
                .check(classes);
        noClasses().that().resideInAPackage("dev.gatehouse.gateway..")
                .and().doNotHaveFullyQualifiedName(dev.gatehouse.gateway.session.AuditTrail.class.getName())
                .and().doNotHaveFullyQualifiedName("dev.gatehouse.gateway.ssh.SessionFacts")
                .should().callMethod(dev.gatehouse.recorder.AuditEvent.class, "of", String.class, java.time.Instant.class, String.class)
                .check(classes);
    }
}
