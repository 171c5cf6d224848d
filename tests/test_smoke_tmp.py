def test_pages(client, login_as):
    login_as("admin")
    for url in ["/", "/reference/", "/reference/regions", "/reference/sectors", "/reference/organizations", "/reference/courses", "/reference/regions/new", "/reference/courses/new", "/admin/users/", "/admin/users/new", "/admin/audit/", "/account/password", "/nothing"]:
        r = client.get(url)
        print(url, r.status_code)
        assert r.status_code in (200, 404), r.data.decode()[:3000]
