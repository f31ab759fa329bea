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
        noClasses().that().resideInAPackage("dev.gatehouse.policy..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.sshd..", "io.netty..", "java.net..",
                        "java.nio.file..", "java.sql..", "dev.gatehouse.gateway..", "dev.gatehouse.pki..", "dev.gatehouse.recorder..")
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

    /** Audit event types on the session, forward and stop paths come from EventType, never from a string spelled at the call. */
    @Test
    void sessionForwardAndStopPathsNameAuditEventsThroughEventType() {
        noClasses().that().resideInAPackage("dev.gatehouse.gateway.ssh..").or().haveFullyQualifiedName(Gateway.class.getName())
                .should().callMethod(dev.gatehouse.gateway.session.AuditTrail.class, "event", String.class, String.class)
                .check(classes);
    }
}
