package io.github.vaultsni.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tests' own log, as slf4j-simple writes it to the file the build names ({@code org.slf4j.simpleLogger.logFile},
 * set by the modules' surefire configuration): for tests that assert how often something is logged. Search for text
 * only this test produces (an SSL object id of its own), since every test of the JVM writes to the file.
 */
public final class TestLog {
    private TestLog() {
    }

    /** Lines holding {@code text}; skips the test when the log is not a file (a run outside the build). */
    public static long count(String text) throws IOException {
        String file = System.getProperty("org.slf4j.simpleLogger.logFile");
        Assumptions.assumeTrue(file != null && !file.startsWith("System."), "the tests log to a console, not a file");
        try (var lines = Files.lines(Path.of(file))) {
            return lines.filter(line -> line.contains(text)).count();
        }
    }
}
