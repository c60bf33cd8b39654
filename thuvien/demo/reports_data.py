"""The demo's management information as data: library profiles, staff, courses, report figures, checklists.

Plain tables read by ``thuvien.demo.reports``, which writes them through the reports' actions. Everything is
illustrative (dữ liệu minh họa): plausible for the libraries of Ninh Bình, not their real figures.
"""

from __future__ import annotations

ALL_SERVICES = [
    "online_catalogue", "online_renewal", "digital_reading", "remote_copy", "postal_delivery", "reading_room",
    "lending", "children", "mobile", "internet", "events",
]  # fmt: skip
IN_PERSON = ["reading_room", "lending", "children", "events"]

# code: register profile (services, founding year, floor area m², seats, governing body, introduction) and,
# for a few, a website the library opened (the network's contact field, changed through the profile action).
PROFILES = {
    "VN-NB": dict(
        services=ALL_SERVICES, founded_year=1957, floor_area_m2=4200, seats=450,
        governing_body="Sở Văn hóa, Thể thao và Du lịch tỉnh Ninh Bình",
        description="Thư viện công cộng cấp tỉnh: kho sách tổng hợp, phòng đọc thiếu nhi, kho địa chí và tài liệu "
        "Hán Nôm; điều phối mục lục liên hợp và thư viện số của mạng lưới thư viện trong tỉnh.",
    ),
    "VN-NB-HOALU": dict(
        services=IN_PERSON + ["online_catalogue", "internet"], founded_year=1998, floor_area_m2=120, seats=40,
        governing_body="UBND phường Hoa Lư",
        description="Thư viện phường đặt tại Nhà văn hóa, phục vụ thiếu nhi và người cao tuổi, luân chuyển sách "
        "với Thư viện tỉnh.",
    ),
    "VN-NB-HOALU-THPTLVT": dict(
        services=["online_catalogue", "reading_room", "lending"], founded_year=1959, floor_area_m2=180, seats=60,
        governing_body="Sở Giáo dục và Đào tạo tỉnh Ninh Bình",
        description="Thư viện trường chuyên: sách giáo khoa, sách tham khảo các môn chuyên, tủ sách đề thi.",
    ),
    "VN-NB-NAMDINH": dict(
        services=IN_PERSON + ["online_catalogue", "internet"], founded_year=1975, floor_area_m2=260, seats=80,
        governing_body="UBND phường Nam Định", website="https://thuvien.namdinh.ninhbinh.gov.vn",
        description="Thư viện phường có phòng đọc thiếu nhi và góc sách địa chí Thành Nam.",
    ),
    "VN-NB-PHULY": dict(
        services=IN_PERSON + ["mobile"], founded_year=1990, floor_area_m2=150, seats=50,
        governing_body="UBND phường Phủ Lý",
        description="Thư viện phường, có xe sách lưu động về các tổ dân phố vào cuối tuần.",
    ),
    "VN-NB-PHULY-THLHP": dict(
        services=["reading_room", "lending", "children"], founded_year=2001, floor_area_m2=60, seats=30,
        governing_body="UBND phường Phủ Lý",
        description="Thư viện trường tiểu học đạt chuẩn, có góc đọc sách tại các lớp.",
    ),
    "VN-NB-HAIHAU": dict(
        services=["reading_room", "lending", "children"], founded_year=2004, floor_area_m2=90, seats=30,
        governing_body="UBND xã Hải Hậu",
        description="Thư viện xã ven biển, tủ sách nông nghiệp và ngư nghiệp.",
    ),
    "VN-NB-PHATDIEM": dict(
        services=["reading_room", "lending"], founded_year=2008, floor_area_m2=70, seats=25,
        governing_body="UBND xã Phát Diệm",
        description="Thư viện xã gần quần thể Nhà thờ đá Phát Diệm.",
    ),
    "VN-NB-DHHL": dict(
        services=["online_catalogue", "online_renewal", "digital_reading", "reading_room", "lending", "internet"],
        founded_year=2007, floor_area_m2=1800, seats=300, governing_body="UBND tỉnh Ninh Bình",
        description="Trung tâm Thông tin – Thư viện của Trường Đại học Hoa Lư: giáo trình, luận văn, đề tài nghiên "
        "cứu khoa học (tài liệu nội sinh) và cơ sở dữ liệu toàn văn.",
    ),
    "VN-NB-TRANGAN": dict(
        services=["reading_room"], founded_year=2012, floor_area_m2=80, seats=20,
        governing_body="Ban Quản lý Quần thể danh thắng Tràng An",
        description="Thư viện chuyên ngành di sản: hồ sơ di sản thế giới, khảo cổ học, tư liệu về cố đô Hoa Lư.",
    ),
    "VN-NB-BCHQS": dict(
        services=["reading_room", "lending"], founded_year=1995, floor_area_m2=100, seats=30,
        governing_body="Bộ Chỉ huy quân sự tỉnh Ninh Bình",
        description="Thư viện phục vụ cán bộ, chiến sĩ: sách chính trị, lịch sử quân sự, văn học.",
    ),
    "VN-NB-VANLAM": dict(
        services=["reading_room", "children"], founded_year=2016, floor_area_m2=35, seats=15,
        governing_body="UBND phường Nam Hoa Lư",
        description="Phòng đọc cộng đồng do người dân thôn đóng góp sách, mở cửa cuối tuần.",
    ),
    "VN-NB-TN-BDKHANH": dict(
        services=["reading_room", "lending"], founded_year=2010, floor_area_m2=45, seats=20,
        governing_body="Cá nhân: ông Bùi Đức Khánh",
        description="Thư viện tư nhân có phục vụ cộng đồng, mở tại nhà riêng của một thầy giáo nghỉ hưu.",
    ),
}  # fmt: skip

# The librarian account of each member library (the provincial one and Hoa Lư's are the demo's own):
# code: (username, full name). Granted circulation and cataloguer on that library.
LIBRARIANS = {
    "VN-NB-HOALU-THPTLVT": ("tv.thptlvt", "Đặng Thị Hương"),
    "VN-NB-NAMDINH": ("xa.namdinh", "Trần Văn Dũng"),
    "VN-NB-PHULY": ("xa.phuly", "Lại Thị Phương"),
    "VN-NB-PHULY-THLHP": ("tv.thlhp", "Trương Thị Hoa"),
    "VN-NB-HAIHAU": ("xa.haihau", "Mai Văn Hùng"),
    "VN-NB-PHATDIEM": ("xa.phatdiem", "Trần Thị Xuân"),
    "VN-NB-DHHL": ("tv.dhhl", "Nguyễn Thị Minh Thu"),
    "VN-NB-TRANGAN": ("tv.trangan", "Tạ Thị Bích Ngọc"),
    "VN-NB-BCHQS": ("tv.bchqs", "Vũ Thị Thúy"),
    "VN-NB-VANLAM": ("tv.vanlam", "Đinh Văn Tám"),
    "VN-NB-TN-BDKHANH": ("tv.bdkhanh", "Bùi Đức Khánh"),
}

# Courses organised by the provincial library: key: (title, kind, topic, year, (month, day) start, days, hours).
COURSES = {
    "marc21": ("Tập huấn biên mục MARC 21", "retraining", "Biên mục theo MARC 21 (TCVN 7539), khổ mẫu và quy tắc",
               2021, (9, 13), 5, 40),
    "cds": ("Bồi dưỡng nghiệp vụ chuyển đổi số thư viện", "retraining",
            "Chuyển đổi số thư viện theo Quyết định 206/QĐ-TTg", 2022, (6, 6), 5, 40),
    "dublin": ("Số hóa tài liệu và siêu dữ liệu Dublin Core", "retraining", "Quy trình số hóa, siêu dữ liệu",
               2023, (8, 21), 5, 32),
    "thieunhi": ("Kỹ năng phục vụ bạn đọc thiếu nhi", "retraining", "Phát triển văn hóa đọc cho thiếu nhi",
                 2024, (5, 20), 3, 24),
    "lienhop": ("Khai thác mục lục liên hợp và chia sẻ biểu ghi", "retraining",
                "Mục lục liên hợp, OAI-PMH, Z39.50, biên mục sao chép", 2025, (10, 6), 3, 24),
    # This year's course (its year is the demo's): attendees completed it once it is over.
    "cds2": ("Bồi dưỡng nghiệp vụ chuyển đổi số thư viện (lớp nâng cao)", "retraining",
             "Thư viện số, dịch vụ trực tuyến, dữ liệu mở", 0, (6, 15), 5, 40),
}  # fmt: skip
COURSE_PLACE = "Hội trường Thư viện tỉnh Ninh Bình"

# code: staff members (full name, position, qualification, library-trained, working since, courses).
# A course key ending in "?" is attended without completing it. The librarian accounts are linked by name.
STAFF = {
    "VN-NB": [
        ("Phạm Thị Thu Hà", "Giám đốc", "Thạc sĩ Khoa học Thư viện", True, 2003, ["cds", "lienhop"]),
        ("Trần Thị Mai Anh", "Phó Giám đốc", "Thạc sĩ Quản lý văn hóa", True, 2006, ["cds"]),
        ("Nguyễn Văn Tùng", "Thư viện viên hạng III, phòng Bổ sung – Biên mục", "Cử nhân Thông tin – Thư viện",
         True, 2012, ["marc21", "dublin"]),
        ("Lê Hoàng Long", "Trưởng phòng Tin học – Số hóa", "Kỹ sư Công nghệ thông tin", False, 2014,
         ["dublin", "cds2"]),
        ("Đỗ Thị Hồng Nhung", "Thư viện viên hạng III, phòng Phục vụ bạn đọc", "Cử nhân Thông tin – Thư viện",
         True, 2015, ["thieunhi"]),
        ("Nguyễn Thị Thanh Huyền", "Thư viện viên hạng III, phòng Thiếu nhi", "Cử nhân Thông tin – Thư viện",
         True, 2016, ["thieunhi", "cds2"]),
        ("Vũ Minh Tuấn", "Thư viện viên hạng IV, phòng Bổ sung – Biên mục", "Cao đẳng Thư viện – Thông tin",
         True, 2018, ["marc21", "lienhop"]),
        ("Bùi Quang Hải", "Kỹ thuật viên số hóa", "Cao đẳng Công nghệ thông tin", False, 2021, ["cds2?"]),
        ("Phan Thị Ngọc Ánh", "Thư viện viên hạng IV, phòng Phục vụ bạn đọc", "Cử nhân Sư phạm Ngữ văn", False,
         2023, []),
        # Left the library last year (see LEAVER): not counted any more.
        ("Hoàng Văn Nam", "Thư viện viên hạng III, phòng Địa chí", "Cử nhân Thông tin – Thư viện", True, 2009,
         ["marc21"]),
    ],
    "VN-NB-HOALU": [
        ("Đinh Thị Lan", "Viên chức phụ trách thư viện", "Cử nhân Quản lý văn hóa", False, 2015,
         ["cds", "thieunhi"]),
        ("Trịnh Văn Khải", "Công chức Văn hóa – Xã hội", "Cử nhân Văn hóa học", False, 2019, ["cds"]),
        ("Lã Thị Thu Trang", "Nhân viên thư viện (hợp đồng)", "Trung cấp Thư viện", True, 2020,
         ["marc21", "lienhop"]),
    ],
    "VN-NB-HOALU-THPTLVT": [
        ("Đặng Thị Hương", "Nhân viên thư viện", "Cử nhân Thông tin – Thư viện", True, 2011, ["marc21"]),
        ("Ninh Văn Thắng", "Giáo viên kiêm nhiệm thư viện", "Thạc sĩ Lịch sử", False, 2017, []),
    ],
    "VN-NB-NAMDINH": [
        ("Trần Văn Dũng", "Phụ trách thư viện", "Cử nhân Thông tin – Thư viện", True, 2005, ["marc21", "cds"]),
        ("Nguyễn Thị Thu Hằng", "Nhân viên thư viện", "Cao đẳng Thư viện – Thông tin", True, 2014, ["thieunhi"]),
        ("Vũ Đức Thịnh", "Nhân viên thư viện (hợp đồng)", "Trung cấp Văn thư – Lưu trữ", False, 2024, ["cds2?"]),
    ],
    "VN-NB-PHULY": [
        ("Lại Thị Phương", "Phụ trách thư viện", "Cử nhân Thông tin – Thư viện", True, 2008, ["cds", "lienhop"]),
        ("Đoàn Minh Quân", "Nhân viên thư viện", "Cử nhân Quản lý văn hóa", False, 2019, ["dublin"]),
    ],
    "VN-NB-PHULY-THLHP": [
        ("Nguyễn Thị Lệ", "Giáo viên kiêm nhiệm thư viện", "Cử nhân Giáo dục Tiểu học", False, 2016, []),
        ("Trương Thị Hoa", "Nhân viên thư viện – thiết bị", "Trung cấp Thư viện", True, 2021, ["thieunhi?"]),
    ],
    "VN-NB-HAIHAU": [
        ("Mai Văn Hùng", "Công chức Văn hóa – Xã hội kiêm thư viện", "Cử nhân Văn hóa học", False, 2012, ["cds"]),
        ("Phạm Thị Yến", "Nhân viên thư viện (hợp đồng)", "Trung cấp Thư viện", True, 2022, []),
    ],
    "VN-NB-PHATDIEM": [
        ("Trần Thị Xuân", "Phụ trách thư viện", "Cao đẳng Thư viện – Thông tin", True, 2010, ["thieunhi"]),
        ("Đinh Công Tráng", "Công chức Văn hóa – Xã hội", "Cử nhân Quản lý văn hóa", False, 2018, ["cds2?"]),
    ],
    "VN-NB-DHHL": [
        ("Nguyễn Thị Minh Thu", "Giám đốc Trung tâm Thông tin – Thư viện", "Thạc sĩ Khoa học Thư viện", True,
         2008, ["cds", "dublin"]),
        ("Lê Thị Kim Oanh", "Thư viện viên hạng III", "Cử nhân Thông tin – Thư viện", True, 2010,
         ["marc21", "lienhop"]),
        ("Phạm Văn Hiếu", "Chuyên viên số hóa", "Kỹ sư Công nghệ thông tin", False, 2013, ["dublin"]),
        ("Hà Thị Thanh Tâm", "Thư viện viên hạng III", "Thạc sĩ Thông tin – Thư viện", True, 2016, ["lienhop"]),
        ("Quách Văn Sơn", "Thư viện viên hạng IV", "Cử nhân Thông tin – Thư viện", True, 2019, ["cds"]),
        ("Đinh Thị Ngọc Lan", "Nhân viên phục vụ bạn đọc", "Cử nhân Ngôn ngữ Anh", False, 2024, []),
    ],
    "VN-NB-TRANGAN": [
        ("Tạ Thị Bích Ngọc", "Viên chức tư liệu – thư viện", "Cử nhân Thông tin – Thư viện", True, 2015,
         ["dublin", "cds"]),
        ("Lương Văn Thành", "Phụ trách tư liệu", "Cử nhân Lịch sử", False, 2012, ["dublin"]),
        ("Cao Văn Lợi", "Nhân viên", "Cử nhân Du lịch", False, 2020, []),
    ],
    "VN-NB-BCHQS": [
        ("Vũ Thị Thúy", "Nhân viên thư viện", "Trung cấp Thư viện", True, 2017, ["marc21"]),
        ("Nguyễn Văn Bình", "Trợ lý tuyên huấn kiêm thư viện", "Cử nhân Chính trị", False, 2014, ["cds"]),
    ],
    "VN-NB-VANLAM": [
        ("Đinh Văn Tám", "Người quản lý phòng đọc (tình nguyện)", "", False, 2016, []),
        ("Nguyễn Thị Nụ", "Tình nguyện viên", "", False, 2019, []),
    ],
    "VN-NB-TN-BDKHANH": [
        ("Bùi Đức Khánh", "Chủ thư viện", "Giáo viên (nghỉ hưu)", False, 2010, []),
        ("Bùi Thị Thanh Xuân", "Người giúp việc thư viện", "Cử nhân Sư phạm Ngữ văn", False, 2015, []),
    ],
}  # fmt: skip
LEAVER = ("VN-NB", "Hoàng Văn Nam", (9, 1))  # left the provincial library on this day of last year

# The statistics reports' manual figures by library kind, for a quarter: visits (door count), events,
# opening hours a week, computers, budget (đồng) and the acquisitions' share of it.
REPORT_BASE = {
    "provincial": dict(visits=21000, events=12, hours="59,5", computers=40, budget=2_100_000_000, acquisition=0.22),
    "commune": dict(visits=2200, events=3, hours="40,5", computers=4, budget=32_000_000, acquisition=0.35),
    "school": dict(visits=3200, events=2, hours="36", computers=6, budget=18_000_000, acquisition=0.5),
    "university": dict(visits=11500, events=4, hours="65", computers=80, budget=650_000_000, acquisition=0.3),
    "specialised": dict(visits=450, events=1, hours="35", computers=2, budget=25_000_000, acquisition=0.4),
}  # fmt: skip
# Schools and the university empty in summer; public libraries fill up with children.
SEASON = {"school": {1: 1.0, 2: 0.9, 3: 0.45, 4: 1.05}, "university": {1: 0.95, 2: 1.0, 3: 0.5, 4: 1.1}}
PUBLIC_SEASON = {1: 0.95, 2: 1.0, 3: 1.15, 4: 0.95}
EVENTS_DETAIL = {
    1: "Hội báo Xuân; trưng bày sách mừng Đảng, mừng Xuân",
    2: "Ngày Sách và Văn hóa đọc Việt Nam (21/4); giới thiệu sách chủ đề Bác Hồ",
    3: "Thư viện hè cho thiếu nhi; Cuộc thi Đại sứ Văn hóa đọc",
    4: "Trưng bày sách kỷ niệm ngày tái lập tỉnh; Ngày Pháp luật Việt Nam (9/11)",
}
REPORT_NOTE = "Số lượt bạn đọc theo sổ theo dõi và máy đếm lượt ra vào; kinh phí theo dự toán được giao."
# Libraries reporting every quarter (the community and private libraries, and the armed forces' which
# reports through its own chain, do not).
REPORTING = [
    "VN-NB", "VN-NB-HOALU", "VN-NB-HOALU-THPTLVT", "VN-NB-NAMDINH", "VN-NB-PHULY", "VN-NB-PHULY-THLHP",
    "VN-NB-HAIHAU", "VN-NB-PHATDIEM", "VN-NB-DHHL", "VN-NB-TRANGAN",
]  # fmt: skip
# The latest quarter's reports still in the workflow; every other report is approved.
LATEST_DRAFT, LATEST_SUBMITTED, LATEST_RETURNED = "VN-NB-PHATDIEM", "VN-NB-HAIHAU", "VN-NB-PHULY-THLHP"
RETURN_COMMENT = (
    "Số lượt bạn đọc đến thư viện quý này thấp bất thường so với quý trước; đề nghị kiểm tra lại sổ theo dõi "
    "và bổ sung thuyết minh."
)
# A report of the first quarter returned once and approved after its correction: the history shows both.
RETURNED_THEN_APPROVED = (
    "VN-NB-NAMDINH",
    "Kinh phí bổ sung tài liệu (mã số 17) ghi 0 đồng trong khi thư viện có nhập sách trong quý; đề nghị kiểm tra lại.",
)
# Last year's annual report, approved.
ANNUAL = ["VN-NB", "VN-NB-HOALU", "VN-NB-NAMDINH", "VN-NB-PHULY", "VN-NB-DHHL"]
# Reviewed by the department's manager; the others by the provincial library's administrator (level above).
MANAGER_REVIEWS = {"VN-NB", "VN-NB-DHHL", "VN-NB-TRANGAN"}

# Inspection checklists: (text, points, evidence required). Last year's round, then this year's.
CHECKLIST_LAST = [
    ("Có quy chế tổ chức và hoạt động của thư viện", 10, False),
    ("Cập nhật biểu ghi lên mục lục liên hợp", 20, False),
    ("Có trang thông tin điện tử cung cấp dịch vụ trực tuyến", 15, False),
    ("Cán bộ thư viện được bồi dưỡng chuyển đổi số", 15, False),
    ("Số hóa tài liệu địa chí, tài liệu quý hiếm", 20, False),
    ("Báo cáo thống kê định kỳ đúng hạn", 20, False),
]
CHECKLIST_THIS = [
    ("Có quy chế tổ chức và hoạt động của thư viện", 10, True),
    ("Cập nhật biểu ghi lên mục lục liên hợp", 15, False),
    ("Có trang thông tin điện tử cung cấp dịch vụ trực tuyến", 15, False),
    ("Cán bộ thư viện được bồi dưỡng chuyển đổi số", 15, False),
    ("Số hóa tài liệu địa chí, tài liệu quý hiếm", 15, False),
    ("Báo cáo thống kê định kỳ đúng hạn", 15, False),
    ("Tổ chức hoạt động phát triển văn hóa đọc", 15, False),
]
# What a library writes for an item (by the first words of its text), by its self-assessment.
ANSWERS = {
    "Có quy chế": {
        "yes": "Quy chế tổ chức và hoạt động ban hành kèm theo quyết định của cơ quan chủ quản; gửi kèm bản chụp.",
        "partly": "Quy chế ban hành năm 2015, đang rà soát sửa đổi theo Luật Thư viện 2019.",
        "no": "Chưa có quy chế riêng; đang xây dựng dự thảo.",
    },
    "Cập nhật biểu ghi": {
        "yes": "Toàn bộ vốn tài liệu đã có biểu ghi trên mục lục liên hợp của tỉnh.",
        "partly": "Đã cập nhật phần lớn biểu ghi; còn tài liệu nhập trước năm 2010 chưa biên mục.",
        "no": "Chưa cập nhật; thư viện quản lý bằng sổ đăng ký cá biệt.",
    },
    "Có trang thông tin": {
        "yes": "Trang thông tin điện tử có tra cứu mục lục và gia hạn trực tuyến.",
        "partly": "Có chuyên mục trên cổng thông tin của đơn vị, chưa có dịch vụ trực tuyến.",
        "no": "Chưa có trang thông tin điện tử.",
    },
    "Cán bộ thư viện": {
        "yes": "Toàn bộ người làm công tác thư viện đã dự lớp bồi dưỡng chuyển đổi số.",
        "partly": "Một phần cán bộ đã được bồi dưỡng; số còn lại đăng ký lớp năm sau.",
        "no": "Chưa cử được cán bộ đi bồi dưỡng.",
    },
    "Số hóa tài liệu": {
        "yes": "Đã số hóa và công bố tài liệu địa chí, tài liệu quý hiếm trên thư viện số.",
        "partly": "Đã lập danh mục, số hóa được một phần.",
        "no": "Chưa có tài liệu địa chí, quý hiếm cần số hóa hoặc chưa có kinh phí.",
    },
    "Báo cáo thống kê": {
        "yes": "Gửi báo cáo thống kê hằng quý đúng hạn trên hệ thống.",
        "partly": "Có quý gửi chậm so với quy định.",
        "no": "Chưa gửi báo cáo thống kê định kỳ.",
    },
    "Tổ chức hoạt động": {
        "yes": "Tổ chức Ngày Sách và Văn hóa đọc, câu lạc bộ đọc sách hằng tháng.",
        "partly": "Có tổ chức trưng bày, giới thiệu sách vào dịp lễ.",
        "no": "Chưa tổ chức hoạt động riêng.",
    },
}
# What the inspector asks a library to fix where it fell short, by the same first words.
FOLLOW_UPS = {
    "Có quy chế": "Ban hành quy chế tổ chức và hoạt động của thư viện",
    "Cập nhật biểu ghi": "Hoàn thành cập nhật biểu ghi lên mục lục liên hợp của tỉnh",
    "Có trang thông tin": "Xây dựng trang thông tin điện tử, cung cấp ít nhất một dịch vụ trực tuyến",
    "Cán bộ thư viện": "Cử người làm công tác thư viện tham gia lớp bồi dưỡng chuyển đổi số",
    "Số hóa tài liệu": "Lập danh mục và kế hoạch số hóa tài liệu địa chí",
    "Báo cáo thống kê": "Gửi báo cáo thống kê định kỳ đúng hạn trên hệ thống",
    "Tổ chức hoạt động": "Xây dựng kế hoạch phát triển văn hóa đọc trong năm",
}
DONE_RESPONSE = "Đã thực hiện xong; hồ sơ lưu tại thư viện."
# Last year's round: every library answered and was scored (the score the inspector's points come near).
LAST_ROUND_SCORES = {
    "VN-NB": 93, "VN-NB-DHHL": 88, "VN-NB-HOALU": 82, "VN-NB-NAMDINH": 76, "VN-NB-PHULY": 71,
    "VN-NB-HOALU-THPTLVT": 67, "VN-NB-TRANGAN": 63, "VN-NB-HAIHAU": 58, "VN-NB-PHATDIEM": 55,
}  # fmt: skip
# This year's round: scored (with the score), answered and waiting for the inspector, not answered yet.
THIS_ROUND_SCORED = {"VN-NB": 91, "VN-NB-DHHL": 90, "VN-NB-HOALU": 86, "VN-NB-VANLAM": 62}
THIS_ROUND_ANSWERED = ["VN-NB-NAMDINH", "VN-NB-PHULY"]
THIS_ROUND_WAITING = ["VN-NB-HAIHAU", "VN-NB-BCHQS", "VN-NB-PHULY-THLHP"]
ROUND_TITLE = "Kiểm tra công tác thư viện và chuyển đổi số năm {year}"
ROUND_DESCRIPTION = (
    "Thực hiện Luật Thư viện 2019 và Chương trình chuyển đổi số ngành thư viện (Quyết định 206/QĐ-TTg); kế hoạch "
    "kiểm tra của Sở Văn hóa, Thể thao và Du lịch tỉnh Ninh Bình năm {year}."
)

# The university's endogenous documents (tài liệu nội sinh): theses and research reports written there,
# (title, author, kind of work, year, subject, digitised). A copy of each is in its closed stacks.
THESES = [
    ("Phát triển văn hóa đọc cho học sinh trung học cơ sở tỉnh Ninh Bình", "Nguyễn Thị Hải Yến",
     "Luận văn thạc sĩ Khoa học giáo dục", 2021, "Văn hóa đọc", True),
    ("Bảo tồn và phát huy giá trị di sản Quần thể danh thắng Tràng An", "Phạm Minh Đức",
     "Luận văn thạc sĩ Văn hóa học", 2022, "Di sản văn hóa", True),
    ("Dạy học Lịch sử địa phương Ninh Bình theo định hướng phát triển năng lực", "Đinh Thị Thu Hương",
     "Luận văn thạc sĩ Khoa học giáo dục", 2022, "Lịch sử địa phương", True),
    ("Ứng dụng công nghệ thông tin trong quản lý thư viện trường học tỉnh Ninh Bình", "Trần Văn Hòa",
     "Đề tài nghiên cứu khoa học cấp trường", 2023, "Thư viện trường học", True),
    ("Lễ hội Trường Yên trong đời sống văn hóa cư dân cố đô Hoa Lư", "Lê Thị Ngọc Mai",
     "Luận văn thạc sĩ Văn hóa học", 2023, "Lễ hội truyền thống", False),
    ("Nghề thêu ren Văn Lâm: lịch sử và hiện trạng", "Vũ Thị Lan Anh", "Khóa luận tốt nghiệp đại học", 2024,
     "Nghề thủ công truyền thống", False),
    ("Phát triển du lịch cộng đồng ở vùng đệm Tràng An", "Hoàng Văn Quyết", "Luận văn thạc sĩ Quản lý kinh tế",
     2024, "Du lịch cộng đồng", False),
    ("Giáo dục kỹ năng sống cho trẻ mẫu giáo qua trò chơi dân gian", "Bùi Thị Phương Thảo",
     "Khóa luận tốt nghiệp đại học", 2025, "Giáo dục mầm non", False),
    ("Đặc điểm địa danh tỉnh Ninh Bình", "Ninh Văn Hiệp", "Luận văn thạc sĩ Ngôn ngữ học", 2025, "Địa danh học",
     False),
    ("Thực trạng sử dụng thư viện số của sinh viên Trường Đại học Hoa Lư", "Đỗ Thị Mai Phương",
     "Đề tài nghiên cứu khoa học của sinh viên", 2025, "Thư viện số", False),
]  # fmt: skip
