package io.github.vaultsni.gateway.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories that hold keys or the configuration (the encryption key, the generated admin key, the
 * data directory and its store log: Vault addresses, routes, ciphertexts): readable by their owner only, from the
 * moment they exist (never world-readable for an instant between writing and a later chmod). Where the file
 * system has no POSIX permissions (Windows), they inherit their directory's ACL.
 */
public final class SecretFiles {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private SecretFiles() {
    }

    /** Creates {@code file} (mode 600) with {@code content}; fails if it already exists. */
    public static void create(Path file, String content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.createFile(file, attributes(FILE));
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }

    /**
     * Creates {@code directory} (mode 700) and any missing parents (as the process's umask says); an existing one
     * is brought down to mode 700 (a data directory left world-readable by an older version).
     */
    public static Path directory(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            ownerOnly(directory, DIRECTORY);
            return directory;
        }
        Path parent = directory.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return Files.createDirectory(directory, attributes(DIRECTORY));
    }

    /** Opens {@code file} with {@code options}; created with mode 600, or brought down to it if it exists. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        if (Files.exists(file)) {
            ownerOnly(file, FILE);
        }
        return FileChannel.open(file, Set.of(options), attributes(FILE));
    }

    private static void ownerOnly(Path path, Set<PosixFilePermission> permissions) throws IOException {
        if (POSIX && !Files.getPosixFilePermissions(path).equals(permissions)) {
            Files.setPosixFilePermissions(path, permissions);
        }
    }

    private static FileAttribute<?>[] attributes(Set<PosixFilePermission> permissions) {
        return POSIX ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(permissions)} : new FileAttribute<?>[0];
    }
}
