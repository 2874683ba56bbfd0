from genai_grpc import Client
from genai_grpc.types import ImportFileSource

client = Client(vertexai=True, project='PROJECT_ID', location='us-central1')

# Start file import
source = ImportFileSource(gcs_uri='gs://my-bucket/document.pdf')
operation = client.file_search_stores.import_file(
    store='fileSearchStores/abc123',
    source=source
)

print(f"Import operation: {operation.name}")

# Poll until done
while not operation.done:
    import time
    time.sleep(5)
    operation = client.operations.get(operation)

if operation.error:
    print(f"Import failed: {operation.error.message}")
else:
    print("Import completed successfully")
