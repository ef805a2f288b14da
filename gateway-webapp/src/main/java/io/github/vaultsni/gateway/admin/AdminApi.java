package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.github.vaultsni.gateway.route.LuaNumber;
import io.github.vaultsni.gateway.store.ConfigStore;
import io.github.vaultsni.gateway.store.SecretCipher;
import io.github.vaultsni.gateway.store.StoredKind;
import io.github.vaultsni.gateway.store.StoredObject;
import io.github.vaultsni.registry.SniEntryStatus;

import java.time.Clock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * APISIX's admin API for secrets, SSL objects, routes and upstreams, without the transport: one call per
 * request, answering APISIX's envelopes, status codes and messages. Objects are validated before they are
 * stored; secret fields are encrypted in the store and never returned; every write is one atomic
 * {@link ConfigStore#update}, so a write is all or nothing and concurrent PATCHes never lose each other.
 *
 * <p>Beyond APISIX: {@code GET /apisix/admin/ssls/{id}/status} answers whether and why an SSL object is served, and
 * {@code GET /apisix/admin/secrets/vault/{id}/status} whether a secret object reaches its Vault, how it authenticates
 * and when its token expires (never the token).
 */
public final class AdminApi {
    /**
     * How deep an admin body may nest. APISIX's objects go a few levels down; a body nested hundreds deep is
     * refused before anything is stored (stored, it would fail every later listing as it is written out).
     */
    public static final int MAX_JSON_DEPTH = 32;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build()).build());

    private static final Duration APPLY_WAIT = Duration.ofSeconds(1);

    private final ConfigStore store;
    private final SecretCipher cipher;
    private final Clock clock;
    private final ObjectStatuses statuses;
    private final AppliedRemovals removals;
    private final AdminCatalog catalog = new AdminCatalog();

    /**
     * @param statuses what the certificate registry says of an SSL object or a secret object, by id
     */
    public AdminApi(ConfigStore store, SecretCipher cipher, Clock clock, ObjectStatuses statuses) {
        this(store, cipher, clock, statuses, AppliedRemovals.NONE);
    }

    /**
     * @param statuses what the certificate registry says of an SSL object or a secret object, by id
     * @param removals what a DELETE's answer waits for: its removal applied (a certificate no longer served)
     */
    public AdminApi(ConfigStore store, SecretCipher cipher, Clock clock, ObjectStatuses statuses,
                    AppliedRemovals removals) {
        this.store = store;
        this.cipher = cipher;
        this.clock = clock;
        this.statuses = statuses;
        this.removals = removals;
    }

    /**
     * Answers one request.
     *
     * @param path  what follows {@code /apisix/admin/}, e.g. {@code ssls/1} or {@code secrets/vault/my-vault}
     * @param query query parameters (first value of each)
     * @param body  the request body, possibly empty
     */
    public AdminResponse handle(String method, String path, Map<String, String> query, String body) {
        try {
            return route(method, path, query, body);
        } catch (AdminException e) {
            return new AdminResponse(e.status, e.body);
        } catch (ConfigStore.UnavailableException e) {
            return new AdminResponse(503, JSON.createObjectNode().put("error_msg", e.getMessage()));
        }
    }

    private AdminResponse route(String method, String path, Map<String, String> query, String body) {
        List<String> segments = new ArrayList<>(Arrays.asList(path.replaceAll("^/+|/+$", "").split("/")));
        String first = segments.get(0);
        if (first.isEmpty()) {
            if (method.equals("HEAD")) {
                return new AdminResponse(200, null); // APISIX's liveness probe: HEAD /apisix/admin
            }
            throw AdminException.of(404, "not found");
        }
        List<String> after = segments.subList(1, segments.size());
        if (first.equals("schema")) {
            return catalog.schema(method, after, query, body);
        }
        if (first.equals("plugins")) {
            return catalog.plugins(method, after, query);
        }
        if (first.equals("secrets") && segments.size() == 1 && method.equals("GET")) {
            return list(Resource.SECRETS, StoredKind.ROOT + "secrets/", query);
        }
        if (first.equals("secrets") && segments.size() >= 2) {
            segments.set(1, "secrets/" + segments.get(1));
            segments.remove(0);
        }
        Resource resource = Resource.ofPath(segments.get(0))
                .orElseThrow(() -> AdminException.of(404, "Unsupported resource type: " + first));
        refuseTtl(query);
        String id = segments.size() > 1 ? segments.get(1) : null;
        List<String> rest = segments.size() > 2 ? segments.subList(2, segments.size()) : List.of();
        return switch (method) {
            case "GET" -> id == null ? list(resource, resource.stored.prefix(), query)
                    : rest.equals(List.of("status")) ? status(resource, id) : get(resource, id);
            case "PUT" -> put(resource, id, object(body));
            case "POST" -> post(resource, id, object(body));
            case "PATCH" -> patch(resource, id, rest, body);
            case "DELETE" -> delete(resource, id, "true".equals(query.get("force")));
            default -> throw AdminException.of(404, "not found");
        };
    }

    /**
     * APISIX's {@code ?ttl=} makes a write expire (an etcd lease). This gateway's stores keep no leases, and an
     * object that outlived the ttl its writer asked for would serve what its writer meant to end: refused.
     */
    private static void refuseTtl(Map<String, String> query) {
        String ttl = query.get("ttl");
        if (ttl == null) {
            return;
        }
        if (LuaNumber.parse(ttl) != null) {
            throw AdminException.badRequest("invalid argument ttl: expiring objects are not supported by this gateway");
        }
        throw AdminException.badRequest("invalid argument ttl: should be a number");
    }

    private AdminResponse get(Resource resource, String id) {
        StoredObject stored = store.get(resource.key(id)).orElseThrow(AdminException::notFound);
        return new AdminResponse(200, entry(stored));
    }

    /**
     * A list as APISIX's v3 answers it ({@code apisix/admin/v3_adapter.lua}): filtered by {@code name} (a regular
     * expression found in the name), {@code label} (a label key present), {@code uri} (found in {@code uri} or one
     * of {@code uris}) and {@code filter} ({@code field=value} on the resource's filter fields); {@code total}
     * counts what the filters kept; with both {@code page} and {@code page_size} (10..500; a page below 1 is 1),
     * sorted by creation and cut to that page.
     */
    private AdminResponse list(Resource resource, String prefix, Map<String, String> query) {
        List<StoredObject> kept = new ArrayList<>();
        ListFilter filter = ListFilter.of(query, resource.filterFields);
        for (StoredObject o : store.list(prefix)) {
            if (filter.keeps(parse(o.json()))) {
                kept.add(o);
            }
        }
        int total = kept.size();
        Double size = LuaNumber.parse(query.get("page_size"));
        Double number = LuaNumber.parse(query.get("page"));
        if (size != null && number != null) {
            if (size < 10 || size > 500) {
                return new AdminResponse(400, TextNode.valueOf("page_size must be between 10 and 500"));
            }
            kept.sort(java.util.Comparator.comparingLong(StoredObject::createdIndex));
            long from = (long) ((Math.max(1, number) - 1) * size.longValue());
            kept = kept.subList((int) Math.min(kept.size(), from), (int) Math.min(kept.size(), from + size.longValue()));
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode items = out.putArray("list");
        kept.forEach(o -> items.add(entry(o)));
        out.put("total", total);
        return new AdminResponse(200, out);
    }

    /** Ours: how an SSL object or a Vault secret object is doing (nothing secret: no value, no token). */
    private AdminResponse status(Resource resource, String id) {
        store.get(resource.key(id)).orElseThrow(AdminException::notFound);
        if (resource == Resource.SECRETS) {
            return statuses.vaultSecret(id).map(s -> new AdminResponse(200, JSON.valueToTree(s.toMap())))
                    .orElseGet(() -> new AdminResponse(200, JSON.createObjectNode().put("id", "vault/" + id)));
        }
        if (resource != Resource.SSLS) {
            throw AdminException.notFound();
        }
        Optional<SniEntryStatus> status = statuses.ssl(id);
        if (status.isEmpty()) {
            return new AdminResponse(200, JSON.createObjectNode().put("id", id).put("state", "RESOLVING"));
        }
        ObjectNode answer = JSON.valueToTree(status.get().toMap());
        statuses.sslRevocation(id).ifPresent(revocation -> answer.set("revocation", JSON.valueToTree(revocation)));
        return new AdminResponse(200, answer);
    }

    private AdminResponse put(Resource resource, String pathId, ObjectNode value) {
        String id = pathId;
        if (id == null) {
            if (!value.hasNonNull("id")) {
                throw AdminException.badRequest("missing " + resource.singular + " id");
            }
            JsonSchemas.apisix().checkId(value.get("id")); // as written: an integer id must be at least 1
            id = value.get("id").asText(); // a number stays one in the value, as APISIX echoes it
        } else if (value.hasNonNull("id") && !value.get("id").asText().equals(pathId)
                && !value.get("id").asText().equals(resource.valueId(pathId))) {
            throw AdminException.badRequest("wrong " + resource.singular + " id");
        }
        checkId(id);
        refuseTimestamps(value);
        return write(resource, id, value);
    }

    /** APISIX stamps create_time and update_time itself: a PUT or POST may not set them, nor its inline upstream. */
    private static void refuseTimestamps(ObjectNode value) {
        for (String forbidden : new String[]{"create_time", "update_time"}) {
            if (value.has(forbidden)) {
                throw AdminException.badRequest("the property is forbidden:  " + forbidden);
            }
            if (value.path("upstream").has(forbidden)) {
                throw AdminException.badRequest("the property is forbidden:  upstream." + forbidden);
            }
        }
    }

    private AdminResponse post(Resource resource, String pathId, ObjectNode value) {
        if (resource == Resource.SECRETS) {
            throw AdminException.of(405, "not supported `POST` method for secret");
        }
        if (pathId != null || value.has("id")) {
            throw AdminException.badRequest("wrong " + resource.singular + " id, do not need it");
        }
        refuseTimestamps(value);
        ObjectNode[] saved = new ObjectNode[1];
        StoredObject stored = store.create(resource.stored.prefix(), id -> {
            saved[0] = prepared(resource, id, value.deepCopy(), Optional.empty());
            return encrypted(resource, saved[0]);
        });
        return written(201, stored, saved[0], resource);
    }

    private AdminResponse write(Resource resource, String id, ObjectNode value) {
        ObjectNode[] saved = new ObjectNode[1];
        boolean[] created = new boolean[1];
        StoredObject stored = store.update(resource.key(id), current -> {
            created[0] = current.isEmpty();
            saved[0] = prepared(resource, id, value.deepCopy(), current);
            return encrypted(resource, saved[0]);
        });
        return written(created[0] ? 201 : 200, stored, saved[0], resource);
    }

    private AdminResponse patch(Resource resource, String id, List<String> fieldPath, String body) {
        if (id == null) {
            throw AdminException.badRequest(resource == Resource.SECRETS ? "no secret id"
                    : "missing " + resource.singular + " id");
        }
        JsonNode change = parse(body);
        ObjectNode[] saved = new ObjectNode[1];
        StoredObject stored = store.update(resource.key(id), current -> {
            ObjectNode value = decrypted(resource, current.orElseThrow(AdminException::notFound));
            ObjectNode merged = fieldPath.isEmpty() ? mergePatch(value, asObject(change))
                    : replaceAt(value, fieldPath, change);
            if (!merged.path("id").asText().equals(resource.valueId(id))) {
                throw AdminException.badRequest("wrong " + resource.singular + " id");
            }
            merged.put("id", resource.valueId(id)); // as APISIX: the path's id, a string, after a PATCH
            // APISIX (utils.inject_timestamp): a whole-object PATCH may set both times; otherwise update_time is now
            boolean keepUpdateTime = fieldPath.isEmpty() && change.has("update_time");
            if (!keepUpdateTime) {
                merged.remove("update_time");
            }
            saved[0] = prepared(resource, id, merged, current);
            return encrypted(resource, saved[0]);
        });
        return written(200, stored, saved[0], resource);
    }

    private AdminResponse delete(Resource resource, String id, boolean force) {
        if (id == null) {
            throw AdminException.badRequest("missing " + resource.singular + " id");
        }
        if (!force) {
            refuseIfInUse(resource, id);
        }
        StoredObject gone = store.delete(resource.key(id)).orElseThrow(AdminException::notFound);
        long revision = store.revision();
        applied(revision);
        removals.await(revision, APPLY_WAIT); // a deleted SSL object's certificate is no longer served when answered
        return new AdminResponse(200, JSON.createObjectNode().put("deleted", "1").put("key", gone.key()));
    }

    /**
     * APISIX refuses to delete an upstream a route or a service uses, a service a route uses, or a client SSL
     * object an upstream uses, unless asked with {@code ?force=true} (then the route answers 503).
     */
    private void refuseIfInUse(Resource resource, String id) {
        if (resource == Resource.UPSTREAMS) {
            for (Resource user : List.of(Resource.ROUTES, Resource.SERVICES)) {
                for (StoredObject o : store.list(user.stored.prefix())) {
                    if (id.equals(parse(o.json()).path("upstream_id").asText(null))) {
                        throw AdminException.badRequest("can not delete this upstream, " + user.singular + " ["
                                + idOf(o) + "] is still using it now");
                    }
                }
            }
        }
        if (resource == Resource.SERVICES) {
            for (StoredObject route : store.list(StoredKind.ROUTES.prefix())) {
                if (id.equals(parse(route.json()).path("service_id").asText(null))) {
                    throw AdminException.badRequest("can not delete this service directly, route [" + idOf(route)
                            + "] is still using it now");
                }
            }
        }
        if (resource == Resource.SSLS) {
            for (Resource user : List.of(Resource.UPSTREAMS, Resource.ROUTES)) {
                for (StoredObject o : store.list(user.stored.prefix())) {
                    JsonNode v = parse(o.json());
                    JsonNode tls = user == Resource.ROUTES ? v.path("upstream").path("tls") : v.path("tls");
                    if (id.equals(tls.path("client_cert_id").asText(null))) {
                        throw AdminException.badRequest("can not delete this ssl, " + user.singular + " [" + idOf(o)
                                + "] is still using it now");
                    }
                }
            }
        }
    }

    /** Validates and stamps a value to be stored; {@code current} is what the store holds now. */
    private ObjectNode prepared(Resource resource, String id, ObjectNode value, Optional<StoredObject> current) {
        checkId(id);
        if (!(value.path("id").isIntegralNumber() && value.get("id").asText().equals(id))) {
            value.put("id", resource.valueId(id));
        }
        resource.validator.validate(value, this::find);
        long now = clock.instant().getEpochSecond();
        if (!value.has("create_time")) { // only a PATCH may carry it here
            value.put("create_time", current.map(c -> parse(c.json()).path("create_time").asLong(now)).orElse(now));
        }
        if (!value.has("update_time")) {
            value.put("update_time", now);
        }
        return value;
    }

    private Optional<ObjectNode> find(Resource resource, String id) {
        return store.get(resource.key(id)).map(o -> decrypted(resource, o));
    }

    private String encrypted(Resource resource, ObjectNode value) {
        ObjectNode copy = value.deepCopy();
        resource.stored.encrypt(copy, cipher);
        return copy.toString();
    }

    private ObjectNode decrypted(Resource resource, StoredObject stored) {
        ObjectNode value = (ObjectNode) parse(stored.json());
        resource.stored.decrypt(value, cipher);
        return value;
    }

    private AdminResponse written(int status, StoredObject stored, ObjectNode value, Resource resource) {
        applied(stored.modifiedIndex());
        ObjectNode shown = value.deepCopy();
        resource.stored.redact(shown);
        ObjectNode out = JSON.createObjectNode().put("key", stored.key());
        out.set("value", shown);
        return new AdminResponse(status, out);
    }

    /**
     * Answers once this node has handed the write to what applies it (the route table, the certificate registry),
     * so the writer's next request to this node sees it; a slow listener delays the answer at most a second.
     */
    private void applied(long revision) {
        store.awaitDelivered(revision, APPLY_WAIT);
    }

    /**
     * {@code {key, value, createdIndex, modifiedIndex}} with secret values left out; an SSL object's {@code key} and
     * {@code keys} left out whatever they hold, as APISIX's GET does (a write's answer shows a reference).
     */
    private ObjectNode entry(StoredObject stored) {
        ObjectNode value = (ObjectNode) parse(stored.json());
        Resource resource = Resource.ofKey(stored.key());
        resource.stored.redact(value);
        if (resource == Resource.SSLS) {
            value.remove(List.of("key", "keys"));
        }
        ObjectNode out = JSON.createObjectNode().put("key", stored.key());
        out.set("value", value);
        return out.put("createdIndex", stored.createdIndex()).put("modifiedIndex", stored.modifiedIndex());
    }

    /** RFC 7386 merge patch: objects merge, a null removes, anything else (arrays too) replaces. */
    static ObjectNode mergePatch(ObjectNode target, ObjectNode patch) {
        patch.fields().forEachRemaining(e -> {
            JsonNode value = e.getValue();
            if (value.isNull()) {
                target.remove(e.getKey());
            } else if (value.isObject() && target.get(e.getKey()) instanceof ObjectNode existing) {
                mergePatch(existing, (ObjectNode) value);
            } else {
                target.set(e.getKey(), value.deepCopy());
            }
        });
        return target;
    }

    /** PATCH {@code /<type>/<id>/<a>/<b>}: replaces the subtree at {@code a.b} with the body. */
    private static ObjectNode replaceAt(ObjectNode target, List<String> fieldPath, JsonNode value) {
        ObjectNode parent = target;
        for (String field : fieldPath.subList(0, fieldPath.size() - 1)) {
            parent = parent.get(field) instanceof ObjectNode child ? child : parent.putObject(field);
        }
        parent.set(fieldPath.get(fieldPath.size() - 1), value.deepCopy());
        return target;
    }

    private static void checkId(String id) {
        JsonSchemas.apisix().checkId(TextNode.valueOf(id));
    }

    private static String idOf(StoredObject stored) {
        return stored.key().substring(stored.key().lastIndexOf('/') + 1);
    }

    private static ObjectNode object(String body) {
        return asObject(parse(body));
    }

    private static ObjectNode asObject(JsonNode node) {
        if (!node.isObject()) {
            throw AdminException.badRequest("invalid request body: the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /**
     * A number too large for a double ({@code 1e999}) reads as infinity, which would be stored as the string
     * {@code "Infinity"} and fail every later PATCH of the object: refused as APISIX's JSON decoder refuses it.
     */
    private static void requireFiniteNumbers(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            throw AdminException.badRequest("invalid request body: a number out of range (past a double's)");
        }
        for (JsonNode child : node) {
            requireFiniteNumbers(child);
        }
    }

    static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            throw AdminException.badRequest("invalid request body: empty request body");
        }
        try (JsonParser parser = JSON.createParser(text)) {
            JsonNode body = JSON.readTree(parser);
            if (parser.nextToken() != null) { // a second document, or anything else after the first
                throw AdminException.badRequest("invalid request body: Expected the end but found more at character "
                        + (parser.currentTokenLocation().getCharOffset() + 1));
            }
            requireFiniteNumbers(body);
            return body;
        } catch (StreamConstraintsException e) {
            throw AdminException.badRequest("invalid request body: nested deeper than " + MAX_JSON_DEPTH + " levels");
        } catch (JsonProcessingException e) {
            throw AdminException.badRequest("invalid request body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String is read without I/O
        }
    }
}
