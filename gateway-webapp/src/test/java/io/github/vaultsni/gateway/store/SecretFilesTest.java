package io.github.vaultsni.gateway.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SecretFilesTest {
    @TempDir
    Path dir;

    @Test
    void aKeyFileIsOwnerOnly_andNeverOverwritten() throws Exception {
        Path file = dir.resolve("sub/key");
        SecretFiles.create(file, "k1\n");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("k1\n", Files.readString(file));
        assertThrows(FileAlreadyExistsException.class, () -> SecretFiles.create(file, "k2\n"));
        assertEquals("k1\n", Files.readString(file));
    }

    @Test
    void theStoreAndItsDirectory_areOwnerOnly_evenWhereAnOlderVersionLeftThemReadable() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path log = Files.writeString(data.resolve("store.log"), "");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileConfigStore store = FileConfigStore.open(data)) {
            store.update("/apisix/routes/1", current -> "{\"uri\":\"/\"}");
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("store.lock"))));
        Path fresh = dir.resolve("fresh/data");
        FileConfigStore.open(fresh).close();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh.resolve("store.log"))));
    }
}
