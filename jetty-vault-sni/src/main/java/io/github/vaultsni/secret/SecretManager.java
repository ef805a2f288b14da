package io.github.vaultsni.secret;

import java.util.Map;
import java.util.Optional;

/**
 * A source of secrets, such as one Vault secret object. The contract every implementation keeps:
 * <ul>
 *   <li>{@link #read} answers the fields stored at a path, or empty when nothing is stored there: not-found is
 *       a result, not an exception;</li>
 *   <li>every other failure is a {@link SecretException} whose {@link SecretException#kind() kind} says what
 *       happened and whose message holds no secret;</li>
 *   <li>a read never blocks longer than the manager's configured timeout (plus one re-login);</li>
 *   <li>it is safe to call from many threads at once.</li>
 * </ul>
 */
public interface SecretManager extends AutoCloseable {

    /**
     * The fields at {@code path}, relative to the manager's prefix.
     *
     * @throws SecretException when the answer is neither the fields nor a clean not-found
     */
    Optional<Map<String, String>> read(String path);

    /** Background upkeep, such as renewing a token before it expires; called periodically. Default: nothing. */
    default void maintain() {
    }

    /** How the manager authenticates to its source and how its token stands; empty when it has none. */
    default Optional<AuthStatus> authStatus() {
        return Optional.empty();
    }

    /** Releases what the manager holds. Default: nothing. */
    @Override
    default void close() {
    }
}
