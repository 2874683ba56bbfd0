import asyncio
from genai_grpc import Client

async def wait_for_operation():
    client = Client(vertexai=True, project='PROJECT_ID', location='us-central1')

    # Start operation
    operation = await client.aio.models.generate_videos(
        model='veo-2.0-generate-001',
        prompt='A sunset over mountains'
    )

    print(f"Operation: {operation.name}")

    # Poll asynchronously
    while not operation.done:
        print("Checking status...")
        await asyncio.sleep(10)
        operation = await client.aio.operations.get(operation)

    if operation.error:
        print(f"Failed: {operation.error.message}")
    else:
        print(f"Success! Generated {len(operation.response.generated_videos)} video(s)")

asyncio.run(wait_for_operation())
