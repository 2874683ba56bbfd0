"""genai_grpc"""
