package io.github.vaultsni.gateway.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files that hold a key (the encryption key, the generated admin key): created readable by their owner only from
 * the moment they exist, never world-readable for an instant between writing and a later chmod.
 */
public final class SecretFiles {
    private SecretFiles() {
    }

    /** Creates {@code file} (mode 600 on POSIX) with {@code content}; fails if it already exists. */
    public static void create(Path file, String content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            // A file system without POSIX permissions (Windows): the file inherits its directory's ACL.
            Files.createFile(file);
        }
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }
}
