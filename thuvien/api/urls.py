from ninja import NinjaAPI

from thuvien.api.routes import router

api = NinjaAPI(
    title="thuvien API",
    version="1",
    description="Tra cứu mục lục liên thông, biểu ghi, bản sách và thư viện của mạng lưới.",
    docs_url="/docs",
    urls_namespace="api",
)
api.add_router("", router)
