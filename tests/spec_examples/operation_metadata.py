from genai_grpc import Client

client = Client(vertexai=True, project='PROJECT_ID', location='us-central1')

# Get operation
operation = client.operations.get('operations/abc123')

print(f"Operation: {operation.name}")
print(f"Done: {operation.done}")

# Check metadata for progress
if operation.metadata:
    print(f"Metadata: {operation.metadata}")
    # Metadata structure varies by operation type
    # May include progress percentage, timestamps, etc.

# Check if operation completed
if operation.done:
    if operation.error:
        print(f"Error code: {operation.error.code}")
        print(f"Error message: {operation.error.message}")
        if operation.error.details:
            print(f"Details: {operation.error.details}")
    else:
        print("Operation completed successfully")
        # Access operation.response for results
