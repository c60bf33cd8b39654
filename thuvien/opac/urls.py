from django.urls import path

from thuvien.opac import account, account_privacy, account_register, libraries, views

app_name = "opac"

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search_view, name="search"),
    path("suggest", views.suggest_view, name="suggest"),
    path("record/<int:record_id>/", views.record_view, name="record"),
    path("record/<int:record_id>/marc", views.record_marc_view, name="record_marc"),
    path("record/<int:record_id>/cite.<str:fmt>", views.citation_view, name="citation"),
    path("new/", views.new_view, name="new"),
    path("libraries/", libraries.libraries_view, name="libraries"),
    path("libraries.geojson", libraries.libraries_geojson_view, name="libraries_geojson"),
    path("libraries.csv", libraries.libraries_csv_view, name="libraries_csv"),
    path("libraries/<str:code>/", libraries.library_view, name="library"),
    path("health", views.health_view, name="health"),
    # The reader's account (notices e-mailed to readers link to /ban-doc/).
    path("ban-doc/", account.home, name="account"),
    path("ban-doc/dang-nhap/", account.sign_in_view, name="account_login"),
    path("ban-doc/dang-xuat/", account.sign_out_view, name="account_logout"),
    path("ban-doc/muon/<int:loan_id>/gia-han/", account.renew_view, name="account_renew"),
    path("ban-doc/muon/gia-han-tat-ca/", account.renew_all_view, name="account_renew_all"),
    path("ban-doc/dat-giu/<int:record_id>/", account.place_hold_view, name="account_place_hold"),
    path("ban-doc/yeu-cau-giu/<int:hold_id>/huy/", account.cancel_hold_view, name="account_cancel_hold"),
    path(
        "ban-doc/yeu-cau-giu/<int:hold_id>/tam-dung/", account.suspend_hold_view, name="account_suspend_hold"
    ),
    path("ban-doc/yeu-cau-giu/<int:hold_id>/tiep-tuc/", account.resume_hold_view, name="account_resume_hold"),
    path(
        "ban-doc/gui-buu-dien/<int:record_id>/",
        account.request_delivery_view,
        name="account_request_delivery",
    ),
    path("ban-doc/buu-dien/<int:delivery_id>/", account.delivery_view, name="account_delivery"),
    path("ban-doc/doi-ma-pin/", account.change_pin_view, name="account_pin"),
    path("ban-doc/lich-su/", account.history_view, name="account_history"),
    path("ban-doc/quyen-rieng-tu/", account_privacy.privacy_view, name="account_privacy"),
    path("ban-doc/quyen-rieng-tu/dong-y/", account_privacy.consent_view, name="account_consent"),
    path("ban-doc/du-lieu-cua-toi.json", account_privacy.data_download_view, name="account_data"),
    path("ban-doc/xoa-du-lieu/", account_privacy.erasure_view, name="account_erasure"),
    path("ban-doc/dang-ky/", account_register.register_view, name="account_register"),
    path("ban-doc/dang-ky/xong/", account_register.registered_view, name="account_registered"),
]
