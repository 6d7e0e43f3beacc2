#define BOOST_TEST_MODULE strato_session
#include <boost/test/unit_test.hpp>
