package io.github.vaultsni.gateway.store;

import java.nio.file.Path;

/** Child process for the kill -9 test: writes objects forever, printing "ACK i" once write i returned. */
public final class StoreWriterProcess {
    private StoreWriterProcess() {
    }

    public static void main(String[] args) {
        FileConfigStore store = FileConfigStore.open(Path.of(args[0]));
        for (int i = 0; ; i++) {
            int n = i;
            store.update("/apisix/routes/" + n, c -> "{\"i\":" + n + "}");
            System.out.println("ACK " + n);
            System.out.flush();
        }
    }
}
