package io.github.vaultsni.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;

/** An admin API answer: HTTP status and JSON body. */
public record AdminResponse(int status, JsonNode body) {
}
