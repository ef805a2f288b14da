package com.example.boot;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Says which name and protocol a request came in by, so a client can see which certificate it was served. */
@RestController
class HelloController {

    @GetMapping("/")
    String hello(HttpServletRequest request) {
        return "hello from " + request.getServerName() + " over " + request.getProtocol() + "\n";
    }
}
