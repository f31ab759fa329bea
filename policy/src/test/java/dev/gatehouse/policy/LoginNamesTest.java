package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LoginNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"aiops", "mlops", "a", "A.b_c-d", "user1", "_svc", "x2345678901234567890123456789012"})
    void portableNamesAreAccepted(String login) {
        assertThat(LoginNames.problem(login)).isEmpty();
    }

    @Test
    void rootIsWellFormedHereBecauseForbiddenListsAreCheckedByCallers() {
        assertThat(LoginNames.problem("root")).isEmpty();
    }

    @Test
    void emptyLoginIsRefused() {
        assertThat(LoginNames.problem("")).contains("login name is empty");
        assertThat(LoginNames.problem(null)).contains("login name is empty");
    }

    /** A comma would add a second principal ("root") to the certificate the CA signs. */
    @Test
    void commaIsRefusedBecauseItSmugglesASecondPrincipal() {
        assertThat(LoginNames.problem("aiops,root")).hasValueSatisfying(
                p -> assertThat(p).startsWith("login name 'aiops,root' contains ','"));
    }

    /** Wildcards in a principal would match logins the policy never granted. */
    @ParameterizedTest
    @ValueSource(strings = {"*", "ai*", "a?b", "!root", "a@b", "../etc", "a/b", "a:b", "a$", "a;b"})
    void wildcardsAndSeparatorsAreRefused(String login) {
        assertThat(LoginNames.problem(login)).hasValueSatisfying(p -> assertThat(p).contains("contains '"));
    }

    @Test
    void whitespaceIsRefused() {
        assertThat(LoginNames.problem("root ")).contains("login name 'root ' contains whitespace");
        assertThat(LoginNames.problem("a b")).hasValueSatisfying(p -> assertThat(p).contains("whitespace"));
        assertThat(LoginNames.problem("a\tb")).hasValueSatisfying(p -> assertThat(p).contains("whitespace"));
    }

    /** A reason echoed to a terminal must not carry the raw control characters of a hostile name. */
    @Test
    void controlCharactersAreRefusedAndEscapedInTheReason() {
        assertThat(LoginNames.problem("ro\not")).hasValueSatisfying(p -> {
            assertThat(p).startsWith("login name 'ro\\not' ");
            assertThat(p).doesNotContain("\n");
        });
        assertThat(LoginNames.problem("a\u001b[2Jb")).hasValueSatisfying(p -> {
            assertThat(p).contains("control character").contains("\\x1b");
            assertThat(p).doesNotContain("\u001b");
        });
        assertThat(LoginNames.problem("a\u0000")).hasValueSatisfying(p -> assertThat(p).contains("control character"));
    }

    /** Look-alike letters (Cyrillic 'о' in "rооt") must not pass as a different name. */
    @Test
    void nonAsciiIsRefusedAndEscaped() {
        assertThat(LoginNames.problem("r\u043e\u043et")).hasValueSatisfying(p -> {
            assertThat(p).contains("non-ASCII").contains("\\u043e");
        });
        assertThat(LoginNames.problem("a\u202eb")).hasValueSatisfying(p -> assertThat(p).doesNotContain("\u202e"));
    }

    @Test
    void leadingDashIsRefusedBecauseToolsReadItAsAnOption() {
        assertThat(LoginNames.problem("-oProxyCommand")).contains("login name '-oProxyCommand' starts with '-'");
    }

    @Test
    void namesLongerThan32CharactersAreRefused() {
        String login = "a".repeat(33);
        assertThat(LoginNames.problem(login)).hasValueSatisfying(p -> assertThat(p).contains("longer than 32"));
    }

    @Test
    void hugeHostileNamesAreCutInTheReason() {
        assertThat(LoginNames.problem("a".repeat(100_000))).hasValueSatisfying(p -> assertThat(p).hasSizeLessThan(200));
    }

    @Test
    void allDigitNamesAreRefusedBecauseTheyReadAsUids() {
        assertThat(LoginNames.problem("0")).hasValueSatisfying(p -> assertThat(p).contains("all digits"));
        assertThat(LoginNames.problem("1000")).hasValueSatisfying(p -> assertThat(p).contains("all digits"));
    }

    /** "." and ".." would walk directories in a node's AuthorizedPrincipalsFile path. */
    @Test
    void dotOnlyNamesAreRefused() {
        assertThat(LoginNames.problem("..")).hasValueSatisfying(p -> assertThat(p).contains("only dots"));
    }
}
