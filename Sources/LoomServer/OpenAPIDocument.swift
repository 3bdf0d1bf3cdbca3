/// `GET /openapi.json`: the OpenAPI 3.1 description of the server's endpoints. Written by hand beside the
/// handlers and checked against the running server by `scripts/api_test.sh` (schemathesis: no 5xx, every
/// response's status, content type and body as described here). Limits are the defaults of
/// `ServerConfiguration.Limits`.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Loom",
    "version": "1",
    "description": "Sentiment classification and character-level text generation. A plain JSON API under /v1 and KServe's Open Inference Protocol v2 under /v2. Every error is {\"error\": {\"code\", \"message\"}}. When the server runs with --api-key, every endpoint but the health checks and the playground needs Authorization: Bearer KEY."
  },
  "servers": [{"url": "/"}],
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
          "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}
          }
        }
      },
      "ClassifyRequest": {
        "type": "object",
        "required": ["texts"],
        "properties": {
          "model": {"type": "string", "description": "A loaded sentiment model; may be left out when one is loaded."},
          "texts": {"type": "array", "minItems": 1, "maxItems": 256, "items": {"type": "string", "maxLength": 100000}}
        }
      },
      "ClassifyResult": {
        "type": "object",
        "description": "A classifier's label and probabilities, or a rating model's rating (task regression in /v1/models).",
        "anyOf": [{"required": ["label", "probability", "probabilities"]}, {"required": ["rating"]}],
        "properties": {
          "label": {"type": "string"},
          "probability": {"type": "number", "minimum": 0, "maximum": 1},
          "probabilities": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
          "rating": {"type": "number", "description": "A rating model's prediction, within its training labels' range."}
        }
      },
      "ClassifyResponse": {
        "type": "object",
        "required": ["model", "results"],
        "properties": {
          "model": {"type": "string"},
          "results": {"type": "array", "items": {"$ref": "#/components/schemas/ClassifyResult"}}
        }
      },
      "ExplainRequest": {
        "type": "object",
        "required": ["text"],
        "properties": {
          "model": {"type": "string", "description": "A loaded sentiment model; may be left out when one is loaded."},
          "text": {"type": "string", "maxLength": 100000},
          "method": {"type": "string", "enum": ["ig", "occlusion", "attention"], "default": "ig", "description": "attention needs a model trained with attention pooling."},
          "target": {"type": "string", "description": "The class to explain; default the predicted one."},
          "steps": {"type": "integer", "minimum": 1, "maximum": 256, "description": "Integrated-gradients steps, exactly; default 32, doubled until the completeness gap is under 1%."}
        }
      },
      "AttributedToken": {
        "type": "object",
        "required": ["token", "id", "attribution"],
        "properties": {
          "token": {"type": "string"},
          "id": {"type": "integer"},
          "start": {"type": "integer", "minimum": 0, "description": "Offset in the text in Unicode code points."},
          "end": {"type": "integer", "minimum": 0},
          "attribution": {"type": "number"}
        }
      },
      "Explanation": {
        "type": "object",
        "required": ["method", "prediction", "target", "targetProbability", "tokens", "truncatedTokens"],
        "properties": {
          "method": {"type": "string", "enum": ["ig", "occlusion", "attention"]},
          "prediction": {
            "type": "object",
            "required": ["label", "probability", "probabilities"],
            "properties": {
              "label": {"type": "string"},
              "probability": {"type": "number", "minimum": 0, "maximum": 1},
              "probabilities": {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 1}}
            }
          },
          "target": {"type": "string"},
          "targetProbability": {"type": "number", "minimum": 0, "maximum": 1},
          "tokens": {"type": "array", "items": {"$ref": "#/components/schemas/AttributedToken"}},
          "truncatedTokens": {"type": "integer", "minimum": 0},
          "steps": {"type": "integer", "minimum": 1},
          "logitDifference": {"type": "number"},
          "completenessGap": {"type": "number", "minimum": 0}
        }
      },
      "ExplainResponse": {
        "type": "object",
        "required": ["model", "label", "probability", "probabilities", "explanation"],
        "properties": {
          "model": {"type": "string"},
          "label": {"type": "string"},
          "probability": {"type": "number", "minimum": 0, "maximum": 1},
          "probabilities": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}},
          "explanation": {"$ref": "#/components/schemas/Explanation"}
        }
      },
      "GenerateRequest": {
        "type": "object",
        "required": ["prompt"],
        "properties": {
          "model": {"type": "string", "description": "A loaded character model; may be left out when one is loaded."},
          "prompt": {"type": "string", "maxLength": 4000, "description": "Every character must be in the model's vocabulary; empty samples unconditionally (the model is fed a line break first)."},
          "length": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 200},
          "temperature": {"type": "number", "minimum": 0, "default": 0.8, "description": "0 is greedy."},
          "top_k": {"type": "integer", "minimum": 1},
          "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
          "seed": {"type": "integer", "minimum": 0, "maximum": 18446744073709551615, "default": 42},
          "stop": {
            "description": "Generation ends when the text ends with one of these; the stop text is left out.",
            "oneOf": [
              {"type": "string", "minLength": 1, "maxLength": 100},
              {"type": "array", "maxItems": 8, "items": {"type": "string", "minLength": 1, "maxLength": 100}}
            ]
          },
          "stream": {"type": "boolean", "default": false, "description": "Server-sent events: one data event per chunk, then event: done with the totals."}
        }
      },
      "GenerateResponse": {
        "type": "object",
        "required": ["model", "prompt", "text", "characters", "stop_reason", "seconds"],
        "properties": {
          "model": {"type": "string"},
          "prompt": {"type": "string"},
          "text": {"type": "string"},
          "characters": {"type": "integer", "minimum": 0},
          "stop_reason": {"type": "string", "enum": ["length", "stop", "deadline", "cancelled"]},
          "seconds": {"type": "number", "minimum": 0}
        }
      },
      "GenerateEvent": {
        "description": "One server-sent event of a streamed generation (the schema describes each event, as Open API 3.2's itemSchema does): data events of {\"text\"} without an event field, then one event: done carrying a GenerateResponse, or event: error carrying an Error.",
        "oneOf": [
          {
            "type": "object",
            "required": ["data"],
            "properties": {
              "event": {"const": "message"},
              "data": {"type": "string", "contentMediaType": "application/json",
                       "contentSchema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}}
            }
          },
          {
            "type": "object",
            "required": ["event", "data"],
            "properties": {
              "event": {"const": "done"},
              "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": {"$ref": "#/components/schemas/GenerateResponse"}}
            }
          },
          {
            "type": "object",
            "required": ["event", "data"],
            "properties": {
              "event": {"const": "error"},
              "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": {"$ref": "#/components/schemas/Error"}}
            }
          }
        ]
      },
      "ModelList": {
        "type": "object",
        "required": ["models"],
        "properties": {
          "models": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["name", "kind"],
              "properties": {
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["sentiment", "charrnn"]},
                "task": {"type": "string", "enum": ["classes", "regression"], "description": "A sentiment model's: classes, or a rating per text."},
                "card": {"type": "object", "description": "The model card's figures (bundled models)."}
              }
            }
          }
        }
      },
      "InferRequest": {
        "type": "object",
        "required": ["inputs"],
        "properties": {
          "id": {"type": "string"},
          "inputs": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
              "type": "object",
              "required": ["name", "datatype", "shape", "data"],
              "properties": {
                "name": {"type": "string"},
                "datatype": {"type": "string", "const": "BYTES"},
                "shape": {"type": "array", "minItems": 1, "maxItems": 1, "items": {"type": "integer", "minimum": 1, "maximum": 256}},
                "data": {"type": "array", "minItems": 1, "maxItems": 256, "items": {"type": "string", "maxLength": 100000}}
              }
            }
          }
        }
      },
      "InferResponse": {
        "type": "object",
        "required": ["model_name", "outputs"],
        "properties": {
          "model_name": {"type": "string"},
          "id": {"type": "string"},
          "outputs": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["name", "datatype", "shape", "data"],
              "properties": {
                "name": {"type": "string"},
                "datatype": {"type": "string", "enum": ["BYTES", "FP32"]},
                "shape": {"type": "array", "items": {"type": "integer"}},
                "data": {"type": "array", "items": {"type": ["string", "number"]}}
              }
            }
          }
        }
      },
      "TensorMetadata": {
        "type": "object",
        "required": ["name", "datatype", "shape"],
        "properties": {"name": {"type": "string"}, "datatype": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer"}}}
      },
      "ModelMetadata": {
        "type": "object",
        "required": ["name", "platform", "versions", "inputs", "outputs"],
        "properties": {
          "name": {"type": "string"},
          "platform": {"type": "string"},
          "versions": {"type": "array", "items": {"type": "string"}},
          "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/TensorMetadata"}},
          "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/TensorMetadata"}}
        }
      }
    },
    "responses": {
      "BadRequest": {"description": "Malformed JSON, wrong types, invalid UTF-8, out-of-range parameters, or a text the model cannot take.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Unauthorized": {"description": "The server needs Authorization: Bearer KEY.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "NotFound": {"description": "No model of that name (and kind) is loaded.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "TooLarge": {"description": "The body, a text, the prompt or the number of texts is over its limit.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Busy": {
        "description": "The queue is full or the request waited past its deadline; retry after the given seconds.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      }
    },
    "parameters": {
      "ModelName": {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}
    }
  },
  "security": [{}, {"bearer": []}],
  "paths": {
    "/v1/classify": {
      "post": {
        "summary": "Classify texts: label, probability and every class's probability per text.",
        "operationId": "classify",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClassifyRequest"}}}},
        "responses": {
          "200": {"description": "One result per text, in order.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClassifyResponse"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "503": {"$ref": "#/components/responses/Busy"}
        }
      }
    },
    "/v1/explain": {
      "post": {
        "summary": "Explain a verdict token by token: integrated gradients, occlusion or attention weights, with each token's offsets in the text.",
        "operationId": "explain",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExplainRequest"}}}},
        "responses": {
          "200": {"description": "The verdict and the attribution of every token the model read.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExplainResponse"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "503": {"$ref": "#/components/responses/Busy"}
        }
      }
    },
    "/v1/generate": {
      "post": {
        "summary": "Continue a prompt with a character model, whole or streamed as server-sent events.",
        "operationId": "generate",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateRequest"}}}},
        "responses": {
          "200": {
            "description": "The text (JSON), or with \"stream\": true a text/event-stream of data: {\"text\"} events and a final event: done carrying a GenerateResponse.",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/GenerateResponse"}},
              "text/event-stream": {"schema": {"$ref": "#/components/schemas/GenerateEvent"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "503": {"$ref": "#/components/responses/Busy"}
        }
      }
    },
    "/v1/models": {
      "get": {
        "summary": "The loaded models with their cards.",
        "operationId": "listModels",
        "responses": {
          "200": {"description": "Models in the order they were given.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/v2/health/live": {
      "get": {
        "summary": "KServe v2 liveness.", "operationId": "live", "security": [{}],
        "responses": {"200": {"description": "Alive.", "content": {"application/json": {"schema": {"type": "object", "required": ["live"], "properties": {"live": {"type": "boolean"}}}}}}}
      }
    },
    "/v2/health/ready": {
      "get": {
        "summary": "KServe v2 readiness (every model is loaded at start).", "operationId": "ready", "security": [{}],
        "responses": {"200": {"description": "Ready.", "content": {"application/json": {"schema": {"type": "object", "required": ["ready"], "properties": {"ready": {"type": "boolean"}}}}}}}
      }
    },
    "/v2/models/{name}": {
      "get": {
        "summary": "KServe v2 model metadata.", "operationId": "modelMetadata",
        "parameters": [{"$ref": "#/components/parameters/ModelName"}],
        "responses": {
          "200": {"description": "The model's tensors.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelMetadata"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/v2/models/{name}/ready": {
      "get": {
        "summary": "KServe v2 model readiness.", "operationId": "modelReady",
        "parameters": [{"$ref": "#/components/parameters/ModelName"}],
        "responses": {
          "200": {"description": "Ready.", "content": {"application/json": {"schema": {"type": "object", "required": ["name", "ready"], "properties": {"name": {"type": "string"}, "ready": {"type": "string"}}}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"}
        }
      }
    },
    "/v2/models/{name}/infer": {
      "post": {
        "summary": "KServe v2 inference on a sentiment model: one BYTES input of texts; outputs label (BYTES) and probability (FP32).",
        "operationId": "infer",
        "parameters": [{"$ref": "#/components/parameters/ModelName"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InferRequest"}}}},
        "responses": {
          "200": {"description": "Labels and probabilities.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InferResponse"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/TooLarge"},
          "503": {"$ref": "#/components/responses/Busy"}
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics (text format).", "operationId": "metrics",
        "responses": {
          "200": {"description": "Request counts and latencies by endpoint, queue depth, batch sizes, generations.", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    }
  }
}
"""#
}
