package com.example.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application on Jetty whose HTTPS certificates are kept in Vault and chosen by SNI: the
 * {@code vault-sni-spring-boot-starter} dependency and {@code vault-sni.*} in {@code application.yml} are all it
 * takes. Run it with {@code java -jar target/spring-boot-vault-sni.jar} and a Vault at {@code VAULT_ADDR}.
 */
@SpringBootApplication
public class HelloApplication {
    public static void main(String[] args) {
        SpringApplication.run(HelloApplication.class, args);
    }
}
