#define BOOST_TEST_MODULE strato_load
#include <boost/test/unit_test.hpp>
