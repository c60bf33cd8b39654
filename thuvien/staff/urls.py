from django.contrib.auth import views as auth_views
from django.urls import path

from thuvien.staff import desk, desk_checkin, desk_readers, views

app_name = "staff"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="staff/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="opac:home"), name="logout"),
    path("", views.home, name="home"),
    path("records/", views.record_list, name="records"),
    path("records/new/", views.record_edit, name="record_new"),
    path("records/<int:record_id>/", views.record_edit, name="record_edit"),
    path("records/<int:record_id>/items/new/", views.item_edit, name="item_new"),
    path("items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("import/", views.import_view, name="import"),
    # The circulation desk (thuvien/staff/desk*.py).
    path("desk/", desk.desk_home, name="desk"),
    path("desk/library/", desk.choose_library, name="desk_library"),
    path("desk/readers/<int:reader_id>/", desk.reader_page, name="desk_reader"),
    path("desk/readers/<int:reader_id>/checkout/", desk.checkout_scan, name="desk_checkout"),
    path("desk/readers/<int:reader_id>/renew/", desk.renew_loans, name="desk_renew"),
    path("desk/readers/<int:reader_id>/loans/<int:loan_id>/", desk.loan_page, name="desk_loan"),
    path("desk/readers/<int:reader_id>/loans/<int:loan_id>/lost/", desk.loan_lost, name="desk_loan_lost"),
    path("desk/readers/<int:reader_id>/loans/<int:loan_id>/claims-returned/", desk.loan_claims_returned,
         name="desk_loan_claims"),
    path("desk/readers/<int:reader_id>/holds/new/", desk.hold_new, name="desk_hold_new"),
    path("desk/readers/<int:reader_id>/holds/<int:hold_id>/cancel/", desk.hold_cancel, name="desk_hold_cancel"),
    path("desk/readers/<int:reader_id>/pay/", desk_readers.pay, name="desk_pay"),
    path("desk/readers/<int:reader_id>/fees/<int:fee_id>/waive/", desk_readers.waive, name="desk_waive"),
    path("desk/receipts/<int:payment_id>/", desk_readers.receipt, name="desk_receipt"),
    path("desk/readers/", desk_readers.reader_list, name="desk_readers"),
    path("desk/readers/new/", desk_readers.reader_new, name="desk_reader_new"),
    path("desk/readers/<int:reader_id>/edit/", desk_readers.reader_edit, name="desk_reader_edit"),
    path("desk/readers/<int:reader_id>/status/", desk_readers.reader_status, name="desk_reader_status"),
    path("desk/readers/<int:reader_id>/card/", desk_readers.reader_renew_card, name="desk_reader_renew_card"),
    path("desk/readers/<int:reader_id>/pin/", desk_readers.reader_pin, name="desk_reader_pin"),
    path("desk/readers/<int:reader_id>/erase/", desk_readers.reader_erase, name="desk_reader_erase"),
    path("desk/checkin/", desk_checkin.checkin_page, name="desk_checkin"),
    path("desk/slips/<int:item_id>/", desk_checkin.slip, name="desk_slip"),
    path("desk/holds/", desk_checkin.holds_overview, name="desk_holds"),
    path("desk/deliveries/", desk_checkin.deliveries, name="desk_deliveries"),
    path("desk/deliveries/<int:delivery_id>/advance/", desk_checkin.delivery_advance, name="desk_delivery_advance"),
]  # fmt: skip
