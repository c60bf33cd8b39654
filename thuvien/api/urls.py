from ninja import NinjaAPI

from thuvien.api.circulation import router as circulation_router
from thuvien.api.digital import router as digital_router
from thuvien.api.reader import router as reader_router
from thuvien.api.routes import router

api = NinjaAPI(
    title="thuvien API",
    version="1",
    description="Tra cứu mục lục liên thông, biểu ghi, bản sách và thư viện của mạng lưới.",
    docs_url="/docs",
    urls_namespace="api",
)
api.add_router("", router)
api.add_router("/circulation", circulation_router)
api.add_router("/reader", reader_router)
api.add_router("/digital", digital_router)
