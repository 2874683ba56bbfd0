import time
from genai_grpc import Client

client = Client(vertexai=True, project='PROJECT_ID', location='us-central1')

# Start video generation
operation = client.models.generate_videos(
    model='veo-2.0-generate-001',
    prompt='A cat playing with a ball'
)

print(f"Operation started: {operation.name}")
print(f"Done: {operation.done}")

# Poll for completion
while not operation.done:
    print("Waiting for completion...")
    time.sleep(10)

    # Refresh operation status
    operation = client.operations.get(operation)
    print(f"Done: {operation.done}")

# Check result
if operation.error:
    print(f"Operation failed: {operation.error.message}")
else:
    print("Operation succeeded!")
    response = operation.response

    # Access video generation response
    for i, video in enumerate(response.generated_videos):
        with open(f'video_{i}.mp4', 'wb') as f:
            f.write(video.video.data)
        print(f"Saved video_{i}.mp4")
